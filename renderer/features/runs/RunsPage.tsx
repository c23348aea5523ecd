import { useEffect } from 'react';
import { ButtonLink } from '../../components/Button.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ActivityIcon, ZapIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useRuns } from './runs-store.js';
import { pageHref, pages } from '../shell/pages.js';
import { useHashPath } from '../shell/useHashRoute.js';
import { RunDetail } from './RunDetail.js';
import { RunList } from './RunList.js';
import '../../styles/runs.css';

/** #/runs lists every run; #/runs/<id> opens one. */
export function RunsPage() {
  const [runId] = useHashPath();
  const { status, runs, load } = useRuns();

  useEffect(() => {
    // Reload on entering the page: runs started from the CLI or another window appear too.
    void load();
  }, [load]);

  if (runId) return <RunDetail runId={runId} />;

  if (status === 'ready' && runs.length === 0) {
    return (
      <>
        <PageHeader {...pages.runs} />
        <EmptyState
          id="runs"
          icon={ActivityIcon}
          title="No runs yet"
          description="Runs you start from Train appear here while they work — live loss and learning-rate curves, memory and throughput — and stay afterwards with their checkpoints, logs and recipe."
          footer={
            <ButtonLink href={pageHref('train')} variant="primary" icon={ZapIcon}>
              Set up a run
            </ButtonLink>
          }
        />
      </>
    );
  }

  return (
    <>
      <PageHeader
        {...pages.runs}
        actions={
          <ButtonLink href={pageHref('train')} variant="primary" icon={ZapIcon}>
            New run
          </ButtonLink>
        }
      />
      <RunList />
    </>
  );
}
