import { BrandMark, MoonIcon, SunIcon } from '../../components/icons.js';
import { useEngine } from '../../stores/engine.js';
import { useTheme } from '../../stores/theme.js';
import { pageHref, pageOrder, pages, type PageId } from './pages.js';

const groups: Array<{ id: 'workflow' | 'trust'; label: string }> = [
  { id: 'workflow', label: 'Workflow' },
  { id: 'trust', label: 'Governance' },
];

export function Sidebar({ current }: { current: PageId }) {
  const theme = useTheme((s) => s.theme);
  const toggle = useTheme((s) => s.toggle);
  const info = useEngine((s) => s.info);
  const next = theme === 'dark' ? 'light' : 'dark';

  return (
    <aside className="sidebar">
      <div className="brand">
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
                      >
                        <Icon size={16} className="nav-icon" />
                        <span>{label}</span>
                      </a>
                    </li>
                  );
                })}
            </ul>
          </div>
        ))}
      </nav>

      <div className="sidebar-footer">
        <button
          type="button"
          className="theme-toggle"
          onClick={toggle}
          data-testid="theme-toggle"
          aria-label={`Switch to ${next} theme`}
          title={`Switch to ${next} theme`}
        >
          {theme === 'dark' ? <MoonIcon size={15} /> : <SunIcon size={15} />}
          <span>{theme === 'dark' ? 'Dark' : 'Light'}</span>
          <span className="theme-toggle-track" aria-hidden="true">
            <span className="theme-toggle-thumb" />
          </span>
        </button>
        <div className="sidebar-meta">
          <span className="offline-dot" aria-hidden="true" />
          <span>Offline · local only</span>
          {info && <span className="sidebar-version">v{info.version}</span>}
        </div>
      </div>
    </aside>
  );
}
