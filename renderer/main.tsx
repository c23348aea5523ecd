import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api/client.js';
import { App } from './App.js';
import { SessionGate } from './features/auth/SessionGate.js';
import { bindStores } from './stores/bind.js';
import { bindSession } from './stores/session.js';
import { bindTheme } from './stores/theme.js';
import './styles/tokens.css';
import './styles/base.css';
import './styles/shell.css';
import './styles/controls.css';
import './styles/page.css';
import './styles/feedback.css';
import './styles/drawer.css';
import './styles/data.css';
import './styles/datasets.css';
import './styles/import-wizard.css';
import './styles/dataset-detail.css';
import './styles/curate.css';
import './styles/responsive.css';
import './styles/auth.css';
import { linkedByPort } from './api/bridge.js';

// Theme first, so the first paint is already in the right colours.
const unbindTheme = bindTheme();
// The link opens at once in Electron; in a browser after GET /auth/session, and in team mode only once signed in.
const unbindSession = bindSession(
  () => {
    const connection = connect();
    const unbindStores = bindStores(connection);
    return () => {
      unbindStores();
      connection.dispose();
    };
  },
  { electron: linkedByPort() },
);

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');
const root = createRoot(container);
root.render(
  <StrictMode>
    <SessionGate>
      <App />
    </SessionGate>
  </StrictMode>,
);

// Tear down in reverse order of start-up: UI, stores and link, theme.
window.addEventListener('pagehide', () => {
  root.unmount();
  unbindSession();
  unbindTheme();
});
