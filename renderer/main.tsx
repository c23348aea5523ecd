import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api/client.js';
import { App } from './App.js';
import { bindStores } from './stores/bind.js';
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

// Theme first, so the first paint is already in the right colours.
const unbindTheme = bindTheme();
const connection = connect();
const unbindStores = bindStores(connection);

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');
const root = createRoot(container);
root.render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// Tear down in reverse order of start-up: UI, stores, link, theme.
window.addEventListener('pagehide', () => {
  root.unmount();
  unbindStores();
  connection.dispose();
  unbindTheme();
});
