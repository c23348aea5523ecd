import type { ModelRow } from '../db/queries/models.js';
import type { RunFacts } from '../db/queries/exports.js';

/**
 * README.md of an export: what the model is, where every byte came from, how it was trained and checked, and
 * what it must not be used for. Written from registry rows and the run record only, so it states facts.
 */
export interface ModelCardInput {
  name: string;
  exportId: string;
  source: ModelRow;
  base: ModelRow | null;
  run: RunFacts | null;
  trainLoss: { step: number; value: number } | null;
  evals: Array<{ name: string; value: string }>;
  artefacts: Array<{ path: string; what: string }>;
  verification: Record<string, unknown>;
  intendedUse?: string | undefined;
  limitations?: string | undefined;
  createdBy: string;
  createdAt: string;
}

export function modelCard(i: ModelCardInput): string {
  const base = i.base ?? i.source;
  const lines: string[] = [];
  lines.push('---', `license: ${base.license ?? 'other'}`, `base_model: ${JSON.stringify(base.name)}`, 'tags: [lathe, draft]', '---', '');
  lines.push(`# ${i.name}`, '');
  lines.push('> **Status: draft.** Exported by Lathe; no release gate has approved this model yet.', '');
  lines.push('## Base model', '');
  lines.push(`- Name: ${base.name}`, `- Architecture: ${base.architecture ?? 'unknown'}`, `- Parameters: ${base.parameters?.toLocaleString('en') ?? 'unknown'}`);
  lines.push(`- Context length: ${base.context_length ?? 'unknown'}`, `- License: ${base.license ?? 'not stated in the model files'}`, `- sha256: \`${base.sha256}\``, '');
  if (i.base) {
    lines.push('## Adapter', '', `- Name: ${i.source.name}`, `- sha256: \`${i.source.sha256}\``);
    const adapter = (JSON.parse(i.source.details) as { adapter?: { rank?: number; alpha?: number; targetModules?: string[] } }).adapter;
    if (adapter) lines.push(`- LoRA rank ${adapter.rank ?? '?'}, alpha ${adapter.alpha ?? '?'}, modules ${(adapter.targetModules ?? []).join(', ') || '?'}`);
    lines.push('');
  }
  lines.push('## Training data', '');
  if (i.run?.dataset_version_id) {
    lines.push('| dataset | version | examples | content hash |', '| --- | --- | --- | --- |');
    lines.push(`| ${i.run.dataset_name ?? '?'} | ${i.run.version_number ?? '?'} (\`${i.run.dataset_version_id}\`) | ${i.run.example_count ?? '?'} | \`${i.run.content_hash ?? '?'}\` |`, '');
  } else {
    lines.push('No training run is linked to this model in the Lathe library.', '');
  }
  lines.push('## Training configuration', '');
  if (i.run) {
    lines.push(`Run \`${i.run.id}\` (${i.run.name}), started ${i.run.created_at}.`, '', '```json', JSON.stringify(JSON.parse(i.run.config), null, 2), '```');
    if (i.trainLoss) lines.push('', `Final training loss: ${i.trainLoss.value.toFixed(4)} at step ${i.trainLoss.step}.`);
    lines.push('');
  } else {
    lines.push('Not recorded.', '');
  }
  lines.push('## Evaluation', '');
  if (i.evals.length) {
    lines.push('| eval | result |', '| --- | --- |', ...i.evals.map((e) => `| ${e.name} | ${e.value} |`), '');
  } else {
    lines.push('No evaluation results are recorded for this model yet.', '');
  }
  lines.push('## Files', '', ...i.artefacts.map((a) => `- \`${a.path}\` — ${a.what}`), '- `SHA256SUMS` — sha256 of every file here; check with `sha256sum -c SHA256SUMS`.', '');
  lines.push('## Verification at export', '', '```json', JSON.stringify(i.verification, null, 2), '```', '');
  lines.push('## Intended use', '', i.intendedUse?.trim() || 'State the intended use before release: the tasks and users this model was tuned for.', '');
  lines.push('## Limitations', '');
  lines.push(i.limitations?.trim() || 'Fine-tuning adapts style and domain knowledge; it does not make answers reliable. The model can state false facts fluently, reflects biases of its base model and training data, and has not passed a release gate.');
  lines.push('', '## Provenance', '', `Export \`${i.exportId}\` by ${i.createdBy} at ${i.createdAt} with Lathe. Every step is in the library's hash-chained audit log.`, '');
  return lines.join('\n');
}
