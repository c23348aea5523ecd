import { BrandMark, ChevronRightIcon, MoonIcon, SunIcon } from '../../components/icons.js';
import { useEngine } from '../../stores/engine.js';
import { useTheme } from '../../stores/theme.js';
import { SessionUser } from '../auth/SessionUser.js';
import { FirstStepsReopen } from './FirstSteps.js';
import { pageHref, pageOrder, pages, type PageId } from './pages.js';
import { useSidebarRail } from './useSidebarRail.js';

const groups: Array<{ id: 'workflow' | 'trust'; label: string }> = [
  { id: 'workflow', label: 'Workflow' },
  { id: 'trust', label: 'Governance' },
];

export function Sidebar({ current }: { current: PageId }) {
  const theme = useTheme((s) => s.theme);
  const toggle = useTheme((s) => s.toggle);
  const info = useEngine((s) => s.info);
  const next = theme === 'dark' ? 'light' : 'dark';
  // Below 1200 px the sidebar is an icon rail (the labels become each link's name and tooltip); the toggle overrides.
  const { collapsed, toggle: toggleRail } = useSidebarRail();

  return (
    <aside className={`sidebar${collapsed ? ' is-rail' : ''}`} data-testid="sidebar" data-collapsed={collapsed ? 'true' : 'false'}>
      <div className="brand" title={collapsed ? 'Lathe · Domain model workbench' : undefined}>
        <BrandMark size={26} />
        <div className="brand-text">
          <span className="brand-name">Lathe</span>
          <span className="brand-tagline">Domain model workbench</span>
        </div>
      </div>

      <nav className="nav" aria-label="Main">
        {groups.map((group) => (
          <div className="nav-group" key={group.id}>
            <div className="nav-group-label">{group.label}</div>
            <ul>
              {pageOrder
                .filter((id) => pages[id].group === group.id)
                .map((id) => {
                  const { label, icon: Icon } = pages[id];
                  const active = id === current;
                  return (
                    <li key={id}>
                      <a
                        href={pageHref(id)}
                        className={`nav-item${active ? ' is-active' : ''}`}
                        aria-current={active ? 'page' : undefined}
                        data-testid={`nav-${id}`}
                        aria-label={collapsed ? label : undefined}
                        title={collapsed ? label : undefined}
                      >
                        <Icon size={16} className="nav-icon" />
                        <span className="nav-label">{label}</span>
                      </a>
                    </li>
                  );
                })}
            </ul>
          </div>
        ))}
      </nav>

      <div className="sidebar-footer">
        <SessionUser collapsed={collapsed} />
        <FirstStepsReopen collapsed={collapsed} />
        <button
          type="button"
          className="sidebar-toggle"
          onClick={toggleRail}
          data-testid="sidebar-toggle"
          aria-expanded={!collapsed}
          aria-label={collapsed ? 'Expand sidebar' : 'Collapse sidebar'}
          title={collapsed ? 'Expand sidebar' : 'Collapse sidebar'}
        >
          <ChevronRightIcon size={15} className="sidebar-toggle-icon" />
          <span className="sidebar-toggle-label">Collapse</span>
        </button>
        <button
          type="button"
          className="theme-toggle"
          onClick={toggle}
          data-testid="theme-toggle"
          aria-label={`${theme === 'dark' ? 'Dark' : 'Light'} theme: switch to ${next}`}
          title={`${theme === 'dark' ? 'Dark' : 'Light'} theme: switch to ${next}`}
        >
          {theme === 'dark' ? <MoonIcon size={15} /> : <SunIcon size={15} />}
          <span className="theme-toggle-label">{theme === 'dark' ? 'Dark' : 'Light'}</span>
          <span className="theme-toggle-track" aria-hidden="true">
            <span className="theme-toggle-thumb" />
          </span>
        </button>
        <div className="sidebar-meta" title={collapsed ? `Offline · local only${info ? ` · v${info.version}` : ''}` : undefined}>
          <span className="offline-dot" aria-hidden="true" />
          <span className="sidebar-meta-text">Offline · local only</span>
          {info && <span className="sidebar-version">v{info.version}</span>}
        </div>
      </div>
    </aside>
  );
}
