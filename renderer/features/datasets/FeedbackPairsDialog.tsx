import { useState } from 'react';
import type { LatheErrorData } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { Modal } from '../../components/Modal.js';
import { useDatasets } from './datasets-store.js';
import { asErrorData } from '../../stores/errors.js';
import { useToasts } from '../../stores/toasts.js';
import { makeFeedbackDataset } from './datasets-store.js';
import { useFeedbackCounts, type FeedbackCounts as Counts } from './use-feedback-counts.js';

const SOURCES = [
  { key: 'abJudgements', label: 'Blind A/B judgements', hint: 'the winner is chosen, the loser rejected', count: (c: Counts) => c.abJudgements },
  { key: 'corrections', label: 'Playground corrections', hint: 'your correction is chosen, the model’s answer rejected', count: (c: Counts) => c.corrections },
  { key: 'reviewEdits', label: 'Review edits', hint: 'the edited last answer is chosen, the original rejected', count: (c: Counts) => c.reviewEdits },
] as const;
type SourceKey = (typeof SOURCES)[number]['key'];

/**
 * The correction loop's last step: the feedback people gave in Lathe becomes a preference dataset (DPO, ORPO,
 * SimPO, KTO) with each pair's source recorded. Counts are read live; nothing is written until Create.
 */
export function FeedbackPairsDialog({ onClose, onCreated }: { onClose(): void; onCreated(datasetId: string): void }) {
  const [use, setUse] = useState<Record<SourceKey, boolean>>({ abJudgements: true, corrections: true, reviewEdits: true });
  const [name, setName] = useState('Preferences from feedback');
  const { counts, error: countsError } = useFeedbackCounts();
  const [busy, setBusy] = useState(false);
  const [createError, setError] = useState<LatheErrorData | null>(null);
  // Create is off until the counts are in, so a failed read stays shown until the dialog closes.
  const error = createError ?? countsError;

  const total = counts ? SOURCES.filter((s) => use[s.key]).reduce((n, s) => n + s.count(counts), 0) : 0;

  async function create() {
    setBusy(true);
    setError(null);
    try {
      const r = await makeFeedbackDataset({ datasetName: name.trim(), ...use });
      await useDatasets.getState().load();
      useToasts.getState().push({ tone: 'success', title: `${r.added} preference pairs in "${name.trim()}" v${r.version.number}`, message: 'Train them with DPO, ORPO, SimPO or KTO on the Train page.', hint: null });
      onCreated(r.datasetId);
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      open
      title="Preference pairs from feedback"
      subtitle="Answers people judged, corrected or edited become chosen/rejected pairs, each with its source."
      onClose={onClose}
      testId="feedback-dialog"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <span className="curate-footer-gap" />
          <Button variant="primary" busy={busy} disabled={!counts || total === 0 || !name.trim()} onClick={() => void create()} data-testid="feedback-create">
            {total ? `Create ${total} pairs` : 'Nothing to create yet'}
          </Button>
        </>
      }
    >
      <div className="curate-body">
        {error && <ErrorAlert title="No dataset was made" error={error} />}
        <fieldset className="export-formats">
          <legend className="field-label">Sources</legend>
          {SOURCES.map((s) => (
            <label key={s.key} className={`export-format${use[s.key] ? ' is-selected' : ''}`}>
              <input type="checkbox" checked={use[s.key]} onChange={(e) => setUse({ ...use, [s.key]: e.target.checked })} data-testid={`feedback-use-${s.key}`} />
              <span className="export-format-label">
                {s.label} <span className="feedback-count" data-testid={`feedback-count-${s.key}`}>{counts ? s.count(counts) : '…'}</span>
              </span>
              <span className="export-format-hint">{s.hint}</span>
            </label>
          ))}
        </fieldset>
        {counts && counts.ties + counts.disagreements + counts.unusable > 0 && (
          <p className="field-hint">
            No pair from {counts.ties} ties, {counts.disagreements} items whose judges disagree and {counts.unusable} answers that did not change.
          </p>
        )}
        <label className="field">
          <span className="field-label">Dataset</span>
          <input className="text-input" value={name} onChange={(e) => setName(e.target.value)} data-testid="feedback-name" />
          <span className="field-hint">A new dataset, or the next version of an existing one (pairs it already holds are not added again).</span>
        </label>
      </div>
    </Modal>
  );
}
