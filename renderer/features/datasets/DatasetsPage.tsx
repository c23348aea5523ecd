import { CommandLine } from '../../components/CommandLine.js';
import { EmptyState, OptionCard } from '../../components/EmptyState.js';
import { DatabaseIcon, FileTextIcon, ShieldCheckIcon, TableIcon } from '../../components/icons.js';
import { PageHeader } from '../../components/PageHeader.js';
import { pages } from '../shell/pages.js';

export function DatasetsPage() {
  return (
    <>
      <PageHeader {...pages.datasets} />
      <EmptyState
        id="datasets"
        icon={DatabaseIcon}
        title="No datasets yet"
        description="Bring in the examples your model should learn from. Every import becomes an immutable, content-hashed dataset version that you can review, split and trace back to."
        footer={
          <>
            <CommandLine label="From a terminal" command="lathe import FILE" />
            <p className="empty-state-note">
              <ShieldCheckIcon size={13} /> Files are read on this machine; nothing is uploaded.
            </p>
          </>
        }
      >
        <div className="option-grid">
          <OptionCard icon={TableIcon} title="Task examples" formats={['JSONL', 'CSV', 'Parquet']}>
            Prompt and response pairs or chat transcripts, for supervised fine-tuning.
          </OptionCard>
          <OptionCard icon={FileTextIcon} title="Domain documents" formats={['PDF', 'DOCX', 'TXT']}>
            Manuals, filings and reports, chunked and deduplicated for continued pre-training.
          </OptionCard>
        </div>
      </EmptyState>
    </>
  );
}
