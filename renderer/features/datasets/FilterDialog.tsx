import { useState } from 'react';
import type { DatasetVersion, LatheErrorData } from '../../../src/shared/contract/index.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { Modal } from '../../components/Modal.js';
import { asErrorData } from '../../stores/errors.js';
import { useToasts } from '../../stores/toasts.js';
import { filterVersion } from './datasets-store.js';
import { rememberedTokenizer, rememberTokenizer, TokenizerPicker } from './TokenizerPicker.js';

const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'ru', 'zh', 'ja', 'ko', 'ar'] as const;
const REASONS: Record<string, string> = { empty: 'empty answer', garbled: 'garbled', 'too-short': 'too short', 'too-long': 'too long', language: 'other language', include: 'no include match', exclude: 'exclude match' };

/** Keeps examples that pass length, quality, language and pattern checks; the result is a new version. */
export function FilterDialog({ version, onClose, onDone }: { version: DatasetVersion; onClose(): void; onDone(v: DatasetVersion): void }) {
  const [tokenizer, setTokenizer] = useState(rememberedTokenizer);
  const [minTokens, setMin] = useState('');
  const [maxTokens, setMax] = useState('');
  const [dropEmpty, setDropEmpty] = useState(true);
  const [dropGarbled, setDropGarbled] = useState(true);
  const [language, setLanguage] = useState('');
  const [include, setInclude] = useState('');
  const [exclude, setExclude] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);

  async function apply() {
    setBusy(true);
    setError(null);
    try {
      const usesTokens = Boolean(minTokens || maxTokens);
      if (usesTokens) rememberTokenizer(tokenizer);
      const r = await filterVersion(version.id, {
        dropEmpty,
        dropGarbled,
        ...(usesTokens && tokenizer.trim() ? { tokenizerPath: tokenizer.trim() } : {}),
        ...(minTokens ? { minTokens: Number(minTokens) } : {}),
        ...(maxTokens ? { maxTokens: Number(maxTokens) } : {}),
        ...(language ? { language: language as 'en' } : {}),
        ...(include.trim() ? { include: include.trim() } : {}),
        ...(exclude.trim() ? { exclude: exclude.trim() } : {}),
      });
      const why = Object.entries(r.reasons).map(([k, n]) => `${n} ${REASONS[k] ?? k}`).join(', ');
      useToasts.getState().push({ tone: 'success', title: `Version ${r.version.number}: removed ${r.removed}`, message: why || 'Every example passed.', hint: null });
      onDone(r.version);
    } catch (err) {
      setError(asErrorData(err));
      setBusy(false);
    }
  }

  const num = (v: string, set: (s: string) => void, label: string, testId: string) => (
    <label className="field">
      <span className="field-label">{label}</span>
      <span className="text-input">
        <input type="number" min={0} value={v} onChange={(e) => set(e.target.value)} data-testid={testId} />
      </span>
    </label>
  );

  return (
    <Modal
      open
      title="Filter examples"
      subtitle={`From v${version.number} · ${version.exampleCount.toLocaleString('en')} examples — makes a new version, v${version.number} stays`}
      onClose={onClose}
      testId="filter-dialog"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <span className="curate-footer-gap" />
          <Button variant="primary" busy={busy} onClick={() => void apply()} data-testid="filter-confirm">
            Filter
          </Button>
        </>
      }
    >
      <div className="curate-body">
        {error && <ErrorAlert title="The engine said no" error={error} />}
        <label className="curate-check">
          <input type="checkbox" checked={dropEmpty} onChange={(e) => setDropEmpty(e.target.checked)} data-autofocus data-testid="filter-drop-empty" />
          <span>Drop empty answers (no letter or digit)</span>
        </label>
        <label className="curate-check">
          <input type="checkbox" checked={dropGarbled} onChange={(e) => setDropGarbled(e.target.checked)} data-testid="filter-drop-garbled" />
          <span>Drop garbled answers (replacement characters, control characters, mojibake, mostly symbols)</span>
        </label>
        <TokenizerPicker label="Base model tokenizer (for token limits)" value={tokenizer} onChange={setTokenizer} emptyLabel="None — no token limits" testId="filter-tokenizer" />
        <div className="curate-form">
          {num(minTokens, setMin, 'Min tokens', 'filter-min-tokens')}
          {num(maxTokens, setMax, 'Max tokens', 'filter-max-tokens')}
          <label className="field">
            <span className="field-label">Language</span>
            <span className="select-input">
              <select value={language} onChange={(e) => setLanguage(e.target.value)} data-testid="filter-language">
                <option value="">Any</option>
                {LANGUAGES.map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            </span>
          </label>
        </div>
        <p className="field-hint">Language is a heuristic (script, then common words); examples it cannot tell are kept.</p>
        <div className="curate-form is-two">
          <label className="field">
            <span className="field-label">Keep only if matching</span>
            <span className="text-input is-mono">
              <input value={include} placeholder="regular expression" onChange={(e) => setInclude(e.target.value)} data-testid="filter-include" />
            </span>
          </label>
          <label className="field">
            <span className="field-label">Drop if matching</span>
            <span className="text-input is-mono">
              <input value={exclude} placeholder="regular expression" onChange={(e) => setExclude(e.target.value)} data-testid="filter-exclude" />
            </span>
          </label>
        </div>
      </div>
    </Modal>
  );
}
