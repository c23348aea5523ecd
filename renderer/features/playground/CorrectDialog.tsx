import { useEffect, useState } from 'react';
import { Button } from '../../components/Button.js';
import { Modal } from '../../components/Modal.js';
import type { PlaygroundMessage } from '../../../src/shared/contract/features/playground.js';
import { useDatasets } from '../datasets/datasets-store.js';
import { toastError, useToasts } from '../../stores/toasts.js';
import { saveCorrection, usePlayground } from './playground-store.js';

/** The correction loop: edit the answer into the right one and save it as a training example in a new dataset version. */
export function CorrectDialog({ message, onClose }: { message: PlaygroundMessage | null; onClose(): void }) {
  const { datasets, load } = useDatasets();
  const conversationId = usePlayground((s) => s.conversationId);
  const messages = usePlayground((s) => s.messages);
  // The question this answer replies to: the last user message before it.
  const question = message ? messages.filter((m) => m.role === 'user' && m.seq < message.seq).at(-1)?.content ?? null : null;
  const tasks = datasets.filter((d) => d.kind === 'task' && d.latestVersion);
  const [text, setText] = useState('');
  const [datasetId, setDatasetId] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!message) return;
    setText(message.content);
    void load();
  }, [message, load]);
  useEffect(() => {
    if (!datasetId && tasks[0]) setDatasetId(tasks[0].id);
  }, [tasks, datasetId]);

  const save = async () => {
    if (!message || !conversationId || !datasetId || !text.trim()) return;
    setBusy(true);
    try {
      const r = await saveCorrection({ conversationId, messageId: message.id, correctedText: text, datasetId });
      useToasts.getState().push({ tone: 'success', title: `Saved to ${r.datasetName} v${r.versionNumber}`, message: `The corrected answer is example ${r.exampleCount} of the new version; v${r.versionNumber - 1} is unchanged.`, hint: null });
      onClose();
    } catch (err) {
      toastError('Could not save the correction', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={Boolean(message)}
      title="Correct this answer"
      subtitle="Edit the answer into the one you want. It is saved, with the conversation before it, as a training example in a new version of the dataset."
      onClose={onClose}
      testId="pg-correct-dialog"
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>Cancel</Button>
          <Button variant="primary" busy={busy} disabled={!datasetId || !text.trim()} onClick={() => void save()} data-testid="pg-correct-save">
            Save as new version
          </Button>
        </>
      }
    >
      <div className="pg-correct-body">
        {question !== null && (
          <div className="field">
            <span className="field-label">Question</span>
            <p className="pg-correct-question" data-testid="pg-correct-question">{question}</p>
          </div>
        )}
        <label className="field">
          <span className="field-label">Corrected answer</span>
          <textarea
            className="pg-textarea"
            data-testid="pg-correct-text"
            data-autofocus
            rows={8}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) void save();
            }}
          />
          <span className="field-hint">Ctrl+Enter saves.</span>
        </label>
        <label className="field">
          <span className="field-label">Dataset</span>
          <span className="select-input">
            <select data-testid="pg-correct-dataset" value={datasetId} onChange={(e) => setDatasetId(e.target.value)}>
              {tasks.length === 0 && <option value="">No task datasets yet — import one on the Datasets page</option>}
              {tasks.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} · v{d.latestVersion!.number} · {d.latestVersion!.exampleCount.toLocaleString()} examples
                </option>
              ))}
            </select>
          </span>
        </label>
      </div>
    </Modal>
  );
}
