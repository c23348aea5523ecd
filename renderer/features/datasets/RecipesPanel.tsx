import { useCallback, useEffect, useState } from 'react';
import type { DatasetVersion, LatheErrorData } from '../../../src/shared/contract/index.js';
import type { Recipe } from '../../../src/shared/contract/features/recipes.js';
import { ErrorAlert } from '../../components/Alert.js';
import { Button } from '../../components/Button.js';
import { LayersIcon, XIcon } from '../../components/icons.js';
import { shortHash } from '../../lib/format.js';
import { useConnection } from '../../stores/connection.js';
import { useDatasets } from './datasets-store.js';
import { asErrorData } from '../../stores/errors.js';
import { useToasts } from '../../stores/toasts.js';
import '../../styles/review.css';
import { createRecipe, listRecipes } from './datasets-store.js';
import { rememberedTokenizer, rememberTokenizer, TokenizerPicker } from './TokenizerPicker.js';

interface Row { datasetId: string; versionId: string; ratio: string }

/**
 * Data recipes: named mixes of dataset versions by share of training tokens (e.g. half domain text, half
 * instructions). A recipe never changes once saved; training reads it as one JSONL per component.
 */
export function RecipesPanel() {
  const open = useConnection((s) => s.status === 'open');
  const datasets = useDatasets((s) => s.datasets);
  const [recipes, setRecipes] = useState<Recipe[]>([]);
  const [error, setError] = useState<LatheErrorData | null>(null);
  const [creating, setCreating] = useState(false);

  const load = useCallback(async () => {
    try {
      setRecipes(await listRecipes());
    } catch (err) {
      setError(asErrorData(err));
    }
  }, []);
  useEffect(() => {
    if (open) void load();
  }, [open, load]);

  if (!datasets.length) return null;
  return (
    <section className="detail-section recipes" data-testid="recipes-panel">
      <div className="section-head">
        <h2 className="section-title">Data recipes</h2>
        <span className="section-meta">{recipes.length}</span>
        <Button size="sm" icon={LayersIcon} className="recipes-new" onClick={() => setCreating((c) => !c)} aria-expanded={creating} data-testid="recipe-new">
          New recipe
        </Button>
      </div>
      {error && <ErrorAlert title="Could not read the recipes" error={error} />}
      {creating && (
        <RecipeForm
          onDone={() => {
            setCreating(false);
            void load();
          }}
        />
      )}
      {recipes.length === 0 && !creating && <p className="field-hint">Mix dataset versions by share of training tokens — for example half general text, half domain text, as BloombergGPT did.</p>}
      <ul className="recipe-list">
        {recipes.map((r) => (
          <li key={r.id} className="recipe" data-testid="recipe">
            <div className="recipe-head">
              <strong>{r.name}</strong>
              <span className="section-meta">
                {r.totalExamples.toLocaleString('en')} examples{r.totalTokens !== null ? ` · ${r.totalTokens.toLocaleString('en')} tokens` : ''}
                {r.tokenizer ? ` · tokenizer ${shortHash(r.tokenizer.sha256, 8)}` : ''}
              </span>
            </div>
            {r.description && <p className="field-hint">{r.description}</p>}
            <div className="recipe-mix" aria-hidden="true">
              {r.components.map((c, i) => (
                <span key={i} className={`recipe-mix-part is-${i % 5}`} style={{ width: `${c.ratio * 100}%` }} />
              ))}
            </div>
            <table className="recipe-table">
              <tbody>
                {r.components.map((c, i) => (
                  <tr key={i} data-testid="recipe-component">
                    <td>
                      <span className={`recipe-swatch is-${i % 5}`} /> {c.datasetName} v{c.versionNumber}
                    </td>
                    <td>{c.kind}</td>
                    <td className="stats-num">{(c.ratio * 100).toFixed(0)}%</td>
                    <td className="stats-num">{c.examples.toLocaleString('en')} ex.</td>
                    <td className="stats-num">{c.tokens !== null ? `${c.tokens.toLocaleString('en')} tok.` : '—'}</td>
                    <td className="stats-num">{c.repeats !== null ? `×${c.repeats.toFixed(2)} in the mix` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RecipeForm({ onDone }: { onDone(): void }) {
  const datasets = useDatasets((s) => s.datasets);
  const versionsOf = useDatasets((s) => s.versions);
  const loadVersions = useDatasets((s) => s.loadVersions);
  const [name, setName] = useState('');
  const [tokenizer, setTokenizer] = useState(rememberedTokenizer);
  const first = datasets[0]!;
  const [rows, setRows] = useState<Row[]>([{ datasetId: first.id, versionId: first.latestVersion?.id ?? '', ratio: '50' }]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LatheErrorData | null>(null);

  useEffect(() => {
    for (const r of rows) if (!versionsOf[r.datasetId]) void loadVersions(r.datasetId);
  }, [rows, versionsOf, loadVersions]);

  const update = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const versions = (datasetId: string): DatasetVersion[] => versionsOf[datasetId]?.versions ?? [];

  async function save() {
    setBusy(true);
    setError(null);
    try {
      rememberTokenizer(tokenizer);
      const r = await createRecipe({
        name: name.trim(),
        ...(tokenizer.trim() ? { tokenizerPath: tokenizer.trim() } : {}),
        components: rows.map((r) => ({ versionId: r.versionId, ratio: Number(r.ratio) })),
      });
      useToasts.getState().push({ tone: 'success', title: `Recipe "${r.name}" saved`, message: r.totalTokens !== null ? `${r.totalTokens.toLocaleString('en')} tokens in ${r.components.length} components.` : `${r.components.length} components.`, hint: null });
      onDone();
    } catch (err) {
      setError(asErrorData(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="recipe-form"
      data-testid="recipe-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {error && <ErrorAlert title="The recipe was not saved" error={error} />}
      <div className="curate-form is-two">
        <label className="field">
          <span className="field-label">Name</span>
          <span className="text-input">
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="half-domain-half-general" required autoFocus data-testid="recipe-name" />
          </span>
        </label>
        <TokenizerPicker label="Tokenizer (counts tokens per component)" value={tokenizer} onChange={setTokenizer} emptyLabel="None — count examples only" testId="recipe-tokenizer" />
      </div>
      {rows.map((r, i) => (
        <div key={i} className="recipe-row" data-testid="recipe-row">
          <span className="select-input is-grow">
            <select aria-label="Dataset" value={r.datasetId} onChange={(e) => update(i, { datasetId: e.target.value, versionId: datasets.find((d) => d.id === e.target.value)?.latestVersion?.id ?? '' })}>
              {datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          </span>
          <span className="select-input">
            <select aria-label="Version" value={r.versionId} onChange={(e) => update(i, { versionId: e.target.value })}>
              {(versions(r.datasetId).length ? versions(r.datasetId) : []).map((v) => (
                <option key={v.id} value={v.id}>
                  v{v.number} · {v.exampleCount.toLocaleString('en')}
                </option>
              ))}
            </select>
          </span>
          <span className="text-input recipe-ratio">
            <input type="number" min={1} aria-label="Share (%)" value={r.ratio} onChange={(e) => update(i, { ratio: e.target.value })} data-testid="recipe-ratio" />
            <span>%</span>
          </span>
          <Button size="sm" variant="ghost" icon={XIcon} aria-label="Remove component" disabled={rows.length === 1} onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))} />
        </div>
      ))}
      <div className="recipe-actions">
        <Button size="sm" onClick={() => setRows((rs) => [...rs, { datasetId: first.id, versionId: first.latestVersion?.id ?? '', ratio: '50' }])} data-testid="recipe-add">
          Add component
        </Button>
        <span className="curate-footer-gap" />
        <Button type="submit" variant="primary" size="sm" busy={busy} disabled={!name.trim() || rows.some((r) => !r.versionId || !(Number(r.ratio) > 0))} data-testid="recipe-save">
          Save recipe
        </Button>
      </div>
    </form>
  );
}
