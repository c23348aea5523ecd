import { useEffect, useState } from 'react';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ArrowLeftIcon, ChevronRightIcon, DatabaseIcon, CopyIcon, FileTextIcon, GitCompareIcon, ImportIcon, LayersIcon, PackageIcon, ShieldCheckIcon } from '../../components/icons.js';
import { formatDateTime, formatRelative, shortHash } from '../../lib/format.js';
import { useConnection } from '../../stores/connection.js';
import { useDatasetImport } from './dataset-import-store.js';
import { useDatasets } from './datasets-store.js';
import { pages } from '../shell/pages.js';
import { ComparePanel } from './ComparePanel.js';
import { CurateDialog, type CurateMode } from './CurateDialog.js';
import { ExamplesPane } from './ExamplesPane.js';
import { ExportDialog } from './ExportDialog.js';
import { FilterDialog } from './FilterDialog.js';
import { ReviewQueue } from './ReviewQueue.js';
import { StatsPanel } from './StatsPanel.js';
import { ImportJobPill } from './ImportJobPill.js';
import { VersionsTable } from './VersionsTable.js';
import { VersionApprovals } from './VersionApprovals.js';
import { useCan } from '../../stores/session.js';
import { RoleNote } from '../auth/RoleNote.js';

/** One dataset: its versions, and the examples of the chosen one. */
export function DatasetDetail({ datasetId }: { datasetId: string }) {
  const canCurate = useCan('curate');
  const dataset = useDatasets((s) => s.datasets.find((d) => d.id === datasetId));
  const listSettled = useDatasets((s) => s.status === 'ready' && !s.loading);
  const versionsState = useDatasets((s) => s.versions[datasetId]);
  const loadVersions = useDatasets((s) => s.loadVersions);
  const open = useConnection((s) => s.status === 'open');
  const openWizard = useDatasetImport((s) => s.openWizard);
  // null follows the newest version, so a fresh import shows up without a click.
  const [chosen, setChosen] = useState<string | null>(null);
  const [curating, setCurating] = useState<CurateMode | null>(null);
  const [comparing, setComparing] = useState(false);
  const [tab, setTab] = useState<DetailTab>('examples');
  const [dialog, setDialog] = useState<'export' | 'filter' | null>(null);
  const refresh = useDatasets((s) => s.refresh);

  useEffect(() => {
    if (open) void loadVersions(datasetId);
  }, [open, datasetId, loadVersions]);

  useEffect(() => {
    setChosen(null);
    setComparing(false);
    document.querySelector('.main')?.scrollTo({ top: 0 });
  }, [datasetId]);

  const name = dataset?.name;
  useEffect(() => {
    if (!name) return;
    document.title = `${name} · ${pages.datasets.title} · Lathe`;
    return () => {
      document.title = `${pages.datasets.title} · Lathe`;
    };
  }, [name]);

  const versions = versionsState?.versions ?? [];
  const version = versions.find((v) => v.id === chosen) ?? versions[0] ?? null;

  if (!dataset) {
    if (!listSettled) return <div className="dataset-detail" aria-busy="true" />;
    return (
      <div className="dataset-detail">
        <Breadcrumb name="Not found" />
        <EmptyState
          id="dataset-missing"
          icon={DatabaseIcon}
          title="There is no such dataset"
          description="It may have been removed, or the address is from another library."
        >
          <a className="btn btn-secondary btn-md" href="#/datasets">
            <ArrowLeftIcon size={15} />
            <span>All datasets</span>
          </a>
        </EmptyState>
      </div>
    );
  }

  const latest = dataset.latestVersion;
  return (
    <div className="dataset-detail" data-testid="dataset-detail">
      <Breadcrumb name={dataset.name} />
      <header className="page-header detail-header">
        <div className="page-header-text">
          <h1 className="page-title" data-testid="page-title">
            {dataset.name}
          </h1>
          <p className="page-purpose detail-facts">
            <span className={`kind-tag is-${dataset.kind}`}>{dataset.kind === 'task' ? 'Task examples' : 'Documents'}</span>
            {latest && (
              <>
                <span>{latest.exampleCount.toLocaleString('en')} examples</span>
                <span className="dot-sep">v{latest.number}</span>
                <code className="detail-hash" title={latest.contentHash}>
                  {shortHash(latest.contentHash, 12)}
                </code>
              </>
            )}
            <span className="dot-sep" title={formatDateTime(dataset.createdAt)}>
              created {formatRelative(dataset.createdAt)}
            </span>
          </p>
        </div>
        <div className="page-header-actions">
          <ImportJobPill />
          {canCurate ? (
            <Button variant="primary" icon={ImportIcon} onClick={() => openWizard({ datasetId })} data-testid="dataset-import-version">
              Import data
            </Button>
          ) : (
            <RoleNote needs="curate" testId="dataset-import-role-note" />
          )}
        </div>
      </header>

      {versionsState?.error && (
        <ErrorAlert
          title="Could not read the versions"
          error={versionsState.error}
          action={
            <Button size="sm" onClick={() => void loadVersions(datasetId)}>
              Try again
            </Button>
          }
        />
      )}

      <section className="detail-section versions-section">
        <div className="section-head">
          <h2 className="section-title">Versions</h2>
          <span className="section-meta">{versions.length || '…'}</span>
          {version && (
            <div className="curate-toolbar" role="toolbar" aria-label={`Curate v${version.number}`} data-testid="curate-toolbar">
              <span className="curate-toolbar-label">{canCurate ? `Curate v${version.number}` : `v${version.number}`}</span>
              {canCurate && (<>
              <Button size="sm" icon={CopyIcon} onClick={() => setCurating('dedup')} data-testid="curate-dedup">
                Remove duplicates
              </Button>
              <Button size="sm" icon={ShieldCheckIcon} onClick={() => setCurating('pii')} data-testid="curate-pii">
                Scan for PII
              </Button>
              <Button size="sm" icon={LayersIcon} onClick={() => setCurating('split')} data-testid="curate-split">
                Split
              </Button>
              <Button size="sm" icon={FileTextIcon} onClick={() => setDialog('filter')} data-testid="curate-filter">
                Filter
              </Button>
              <Button size="sm" icon={PackageIcon} onClick={() => setDialog('export')} data-testid="version-export">
                Export
              </Button>
              </>)}
              <Button
                size="sm"
                variant={comparing ? 'primary' : 'secondary'}
                icon={GitCompareIcon}
                disabled={versions.length < 2}
                aria-pressed={comparing}
                onClick={() => setComparing((c) => !c)}
                data-testid="versions-compare"
              >
                Compare
              </Button>
            </div>
          )}
        </div>
        {comparing && version && versions.length > 1 && <ComparePanel versions={versions} initialTo={version.id} />}
        {versions.length > 0 ? (
          <>
            <VersionsTable versions={versions} selectedId={version?.id ?? null} onSelect={setChosen} />
            {version && <VersionApprovals key={version.id} version={version} />}
          </>
        ) : (
          <div className="skeleton-table">
            <div className="skeleton-row">
              <span className="skeleton" style={{ width: '8%' }} />
              <span className="skeleton" style={{ width: '14%' }} />
              <span className="skeleton" style={{ width: '10%' }} />
              <span className="skeleton" style={{ width: '18%' }} />
            </div>
          </div>
        )}
      </section>

      {version && (
        <section className="detail-section examples-section">
          <div className="section-head">
            <div className="detail-tabs" role="tablist" aria-label="Version views">
              {DETAIL_TABS.map((t) => (
                <button
                  key={t.id}
                  type="button"
                  role="tab"
                  id={`detail-tab-${t.id}`}
                  aria-selected={tab === t.id}
                  aria-controls={`detail-panel-${t.id}`}
                  tabIndex={tab === t.id ? 0 : -1}
                  className={`detail-tab${tab === t.id ? ' is-active' : ''}`}
                  onClick={() => setTab(t.id)}
                  onKeyDown={(e) => {
                    const i = DETAIL_TABS.findIndex((x) => x.id === tab);
                    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
                    if (next === null) return;
                    e.preventDefault();
                    const to = DETAIL_TABS[(next + DETAIL_TABS.length) % DETAIL_TABS.length]!;
                    setTab(to.id);
                    document.getElementById(`detail-tab-${to.id}`)?.focus();
                  }}
                  data-testid={`detail-tab-${t.id}`}
                >
                  {t.label}
                </button>
              ))}
            </div>
            <span className="section-meta" data-testid="examples-meta">
              v{version.number} · {version.exampleCount.toLocaleString('en')}
            </span>
            {tab === 'examples' && (
              <span className="key-hints" aria-hidden="true">
                <kbd>↑</kbd>
                <kbd>↓</kbd>
                <span>move</span>
                <kbd>Enter</kbd>
                <span>open</span>
                <kbd>Esc</kbd>
                <span>close</span>
              </span>
            )}
          </div>
          <div className="detail-tabpanel" role="tabpanel" id={`detail-panel-${tab}`} aria-labelledby={`detail-tab-${tab}`}>
            {tab === 'examples' && <ExamplesPane key={version.id} version={version} kind={dataset.kind} />}
            {tab === 'review' && (
              <ReviewQueue
                key={version.id}
                version={version}
                onVersionMade={(v) => {
                  setChosen(v.id);
                  refresh();
                }}
              />
            )}
            {tab === 'stats' && <StatsPanel key={version.id} version={version} />}
          </div>
        </section>
      )}
      {dialog === 'export' && version && <ExportDialog version={version} onClose={() => setDialog(null)} />}
      {dialog === 'filter' && version && (
        <FilterDialog
          version={version}
          onClose={() => setDialog(null)}
          onDone={(v) => {
            setDialog(null);
            setChosen(v.id);
            refresh();
          }}
        />
      )}
      {curating && version && (
        <CurateDialog
          mode={curating}
          version={version}
          onClose={() => setCurating(null)}
          onDone={(v) => {
            setCurating(null);
            setChosen(v.id);
            refresh();
          }}
        />
      )}
    </div>
  );
}

type DetailTab = 'examples' | 'review' | 'stats';
const DETAIL_TABS: Array<{ id: DetailTab; label: string }> = [
  { id: 'examples', label: 'Examples' },
  { id: 'review', label: 'Review' },
  { id: 'stats', label: 'Stats' },
];

function Breadcrumb({ name }: { name: string }) {
  return (
    <nav className="breadcrumb" aria-label="Breadcrumb">
      <a href="#/datasets" data-testid="breadcrumb-datasets">
        Datasets
      </a>
      <ChevronRightIcon size={12} />
      <span aria-current="page">{name}</span>
    </nav>
  );
}
