import { useCallback, useEffect, useRef, useState } from 'react';
import { Toasts } from './components/Toasts.js';
import { DoctorPanel } from './features/doctor/DoctorPanel.js';
import { Banners } from './features/shell/ConnectionBanner.js';
import { FirstSteps } from './features/shell/FirstSteps.js';
import { JobsDrawer } from './features/shell/JobsDrawer.js';
import { pages } from './features/shell/pages.js';
import { Sidebar } from './features/shell/Sidebar.js';
import { StatusBar } from './features/shell/StatusBar.js';
import { useHashRoute } from './features/shell/useHashRoute.js';
import { routes } from './routes.js';

export function App() {
  const page = useHashRoute();
  const Page = routes[page];
  const [doctorOpen, setDoctorOpen] = useState(false);
  const closeDoctor = useCallback(() => setDoctorOpen(false), []);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    document.title = `${pages[page].title} · Lathe`;
    main.current?.scrollTo({ top: 0 });
  }, [page]);

  return (
    <div className="app" data-page={page}>
      <Sidebar current={page} />
      <main className="main" ref={main}>
        <Banners />
        <FirstSteps page={page} />
        <div className="page" key={page} data-testid={`page-${page}`}>
          <Page />
        </div>
      </main>
      <StatusBar onOpenDoctor={() => setDoctorOpen(true)} />
      <DoctorPanel open={doctorOpen} onClose={closeDoctor} />
      <JobsDrawer />
      <Toasts />
    </div>
  );
}
