import { ButtonLink } from '../../components/Button.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ActivityIcon, ZapIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { pageHref, pages } from '../shell/pages.js';

export function RunsPage() {
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
