import { LatheError } from '../../shared/contract/errors.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/contract/features/dataset-export.js';
import type { Recipe } from '../../shared/contract/features/recipes.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';

const USAGE = `lathe dataset export DATASET[@N] --format ${EXPORT_FORMATS.join('|')} [--out FILE.jsonl] [--split train|validation|test] [--overwrite]
       lathe dataset stats DATASET[@N] [--tokenizer MODEL_DIR]
       lathe dataset filter DATASET[@N] [--tokenizer MODEL_DIR --min-tokens N --max-tokens N] [--drop-empty] [--drop-garbled] [--language en] [--include RE] [--exclude RE]
       lathe dataset recipe create NAME --mix DATASET[@N]=RATIO [--mix ...] [--tokenizer MODEL_DIR] [--description TEXT]
       lathe dataset recipe list
       lathe dataset dedup DATASET[@N] [--near THRESHOLD]
       lathe dataset pii DATASET[@N] [--redact | --drop] [--pattern RE ...]
       lathe dataset split DATASET[@N] [--validation 0.1] [--test 0.1] [--seed N] [--stratify source]
       lathe dataset diff DATASET@N [DATASET@M]      (one version: against its parent)
       lathe dataset preferences NAME [--no-ab] [--no-corrections] [--no-review-edits]
  (every form takes --data-dir DIR; DATASET@N picks version N, the latest otherwise)`;

const FLAGS = {
  'data-dir': { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  split: { type: 'string' },
  overwrite: { type: 'boolean' },
  tokenizer: { type: 'string' },
  'min-tokens': { type: 'string' },
  'max-tokens': { type: 'string' },
  'drop-empty': { type: 'boolean' },
  'drop-garbled': { type: 'boolean' },
  language: { type: 'string' },
  include: { type: 'string' },
  exclude: { type: 'string' },
  mix: { type: 'string', multiple: true },
  description: { type: 'string' },
  near: { type: 'string' },
  redact: { type: 'boolean' },
  drop: { type: 'boolean' },
  pattern: { type: 'string', multiple: true },
  validation: { type: 'string' },
  test: { type: 'string' },
  seed: { type: 'string' },
  stratify: { type: 'string' },
  'no-ab': { type: 'boolean' },
  'no-corrections': { type: 'boolean' },
  'no-review-edits': { type: 'boolean' },
} as const;

/** Dataset verbs beyond import: export with a manifest, stats, filters and data recipes. */
export async function datasetCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, USAGE);
  const [verb, target, extra] = positionals;
  if (!verb) throw new LatheError('INVALID_ARGUMENTS', 'Which dataset command?', `Usage: ${USAGE}`);
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  const out = (s: string) => process.stdout.write(s + '\n');
  try {
    if (verb === 'export') {
      if (!values.format || !(EXPORT_FORMATS as readonly string[]).includes(values.format)) {
        throw new LatheError('INVALID_ARGUMENTS', `--format must be one of ${EXPORT_FORMATS.join(', ')}.`, `Usage: ${USAGE}`);
      }
      const r = await engine.call('datasets.export', {
        versionId: await versionOf(engine, target),
        format: values.format as ExportFormat,
        ...(values.out ? { path: values.out } : {}),
        ...(values.split ? { split: values.split as 'train' } : {}),
        overwrite: values.overwrite ?? false,
      });
      out(`Wrote ${r.manifest.file.lines} examples to ${r.path}\n  sha256 ${r.manifest.file.sha256}\n  manifest ${r.manifestPath}\n  version ${r.manifest.version.number} (${r.manifest.version.contentHash.slice(0, 12)})`);
      return 0;
    }
    if (verb === 'stats') {
      const s = await engine.call('datasets.stats', { versionId: await versionOf(engine, target), ...(values.tokenizer ? { tokenizerPath: values.tokenizer } : {}) });
      out(`${s.examples} examples (${Object.entries(s.byKind).map(([k, n]) => `${n} ${k}`).join(', ')})`);
      out(`splits: ${Object.entries(s.bySplit).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      out(`review: ${Object.entries(s.byStatus).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      out(`sources: ${s.bySource.slice(0, 10).map((x) => `${x.source} ${x.count}`).join(', ')}${s.bySource.length > 10 ? ', …' : ''}`);
      if (s.tokens) {
        out(`tokens: ${s.tokens.total} total, mean ${s.tokens.mean.toFixed(1)}, p50 ${s.tokens.p50}, p95 ${s.tokens.p95}, max ${s.tokens.max}`);
        const peak = Math.max(...s.tokens.histogram.map((b) => b.count), 1);
        for (const b of s.tokens.histogram) out(`  ${`${b.from}-${b.to}`.padStart(11)} ${'█'.repeat(Math.round((b.count / peak) * 40))} ${b.count}`);
      }
      return 0;
    }
    if (verb === 'filter') {
      const r = await engine.call('datasets.filter', {
        versionId: await versionOf(engine, target),
        filter: {
          ...(values.tokenizer ? { tokenizerPath: values.tokenizer } : {}),
          ...(values['min-tokens'] ? { minTokens: intFlag(values['min-tokens'], 'min-tokens', 0) } : {}),
          ...(values['max-tokens'] ? { maxTokens: intFlag(values['max-tokens'], 'max-tokens', 2048) } : {}),
          dropEmpty: values['drop-empty'] ?? false,
          dropGarbled: values['drop-garbled'] ?? false,
          ...(values.language ? { language: values.language as 'en' } : {}),
          ...(values.include ? { include: values.include } : {}),
          ...(values.exclude ? { exclude: values.exclude } : {}),
        },
      });
      out(`Version ${r.version.number}: kept ${r.version.exampleCount}, removed ${r.removed}${r.removed ? ` (${Object.entries(r.reasons).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
      return 0;
    }
    const curated = (r: { version: { number: number; exampleCount: number; contentHash: string }; removed: number; changed: number; resplit: number }, what: string) =>
      out(`Version ${r.version.number} (${r.version.contentHash.slice(0, 12)}): ${what}; ${r.version.exampleCount} examples (removed ${r.removed}, changed ${r.changed}${r.resplit ? `, given a new split ${r.resplit}` : ''})`);
    if (verb === 'dedup') {
      const versionId = await versionOf(engine, target);
      const near = values.near !== undefined ? share(values.near, '--near', 0.5, 1) : null;
      const r = await engine.call('datasets.curate', { versionId, operation: near === null ? { op: 'dedup-exact' } : { op: 'dedup-near', threshold: near } });
      curated(r, near === null ? 'exact duplicates removed (case and spaces ignored)' : `near duplicates removed (MinHash Jaccard ≥ ${near})`);
      return 0;
    }
    if (verb === 'pii') {
      const versionId = await versionOf(engine, target);
      const customPatterns = values.pattern ?? [];
      if (values.redact && values.drop) throw new LatheError('INVALID_ARGUMENTS', 'Choose --redact or --drop, not both.', `Usage: ${USAGE}`);
      const scan = await engine.call('datasets.piiScan', { versionId, customPatterns, limit: 20 });
      out(`${scan.examplesWithPii} of ${scan.examplesScanned} examples hold PII${scan.examplesWithPii ? ` (${Object.entries(scan.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
      for (const h of scan.hits) out(`  #${h.position + 1} ${h.kind}: ${h.context.replace(/\s+/g, ' ')}`);
      if (values.redact || values.drop) {
        const r = await engine.call('datasets.curate', { versionId, operation: { op: values.redact ? 'pii-redact' : 'pii-drop', customPatterns } });
        curated(r, values.redact ? 'PII replaced by placeholders' : 'examples holding PII dropped');
      } else if (scan.examplesWithPii) {
        out('Nothing changed; add --redact or --drop to make a new version without it.');
      }
      return 0;
    }
    if (verb === 'split') {
      const versionId = await versionOf(engine, target);
      if (values.stratify !== undefined && values.stratify !== 'source') throw new LatheError('INVALID_ARGUMENTS', '--stratify takes "source".', `Usage: ${USAGE}`);
      const r = await engine.call('datasets.curate', {
        versionId,
        operation: {
          op: 'split',
          seed: values.seed !== undefined ? intFlag(values.seed, 'seed', 0) : 0,
          validation: values.validation !== undefined ? share(values.validation, '--validation', 0, 0.5) : 0.1,
          test: values.test !== undefined ? share(values.test, '--test', 0, 0.5) : 0.1,
          stratifyBy: values.stratify === 'source' ? 'source' : 'none',
        },
      });
      const stats = await engine.call('datasets.stats', { versionId: r.version.id });
      curated(r, `split into ${Object.entries(stats.bySplit).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      return 0;
    }
    if (verb === 'diff') {
      const to = await versionOf(engine, extra ?? target);
      const from = extra ? await versionOf(engine, target) : await parentOf(engine, target!);
      const d = await engine.call('datasets.diff', { fromVersionId: from, toVersionId: to });
      out(`${extra ? `${target} → ${extra}` : `${target} against its parent`}: +${d.added} added, -${d.removed} removed, ~${d.changed} changed, ${d.unchanged} unchanged`);
      return 0;
    }
    if (verb === 'preferences') {
      if (!target) throw new LatheError('INVALID_ARGUMENTS', 'Name the dataset the pairs go to.', `Usage: ${USAGE}`);
      const r = await engine.call('prefs.makeDataset', { datasetName: target, abJudgements: !values['no-ab'], corrections: !values['no-corrections'], reviewEdits: !values['no-review-edits'] });
      const c = r.counts;
      out(`"${target}" version ${r.version.number}: ${r.added} new preference pairs (A/B ${c.abJudgements}, corrections ${c.corrections}, review edits ${c.reviewEdits}); ${r.version.exampleCount} pairs in all`);
      if (c.ties + c.disagreements + c.unusable) out(`  no pair from ${c.ties} ties, ${c.disagreements} items whose judges disagree, ${c.unusable} unchanged answers`);
      return 0;
    }
    if (verb === 'recipe' && target === 'list') {
      for (const r of (await engine.call('recipes.list', {})).recipes) printRecipe(r, out);
      return 0;
    }
    if (verb === 'recipe' && target === 'create') {
      if (!extra) throw new LatheError('INVALID_ARGUMENTS', 'The recipe needs a name.', `Usage: ${USAGE}`);
      const components = [];
      for (const m of values.mix ?? []) {
        const at = m.lastIndexOf('=');
        const ratio = Number(m.slice(at + 1));
        if (at < 1 || !(ratio > 0)) throw new LatheError('INVALID_ARGUMENTS', `--mix "${m}" is not DATASET[@N]=RATIO.`, 'Example: --mix general@2=0.5 --mix grid=0.5');
        components.push({ versionId: await versionOf(engine, m.slice(0, at)), ratio });
      }
      if (!components.length) throw new LatheError('INVALID_ARGUMENTS', 'A recipe needs at least one --mix.', 'Example: --mix general=0.5 --mix grid=0.5');
      const r = await engine.call('recipes.create', { name: extra, description: values.description ?? '', components, ...(values.tokenizer ? { tokenizerPath: values.tokenizer } : {}) });
      printRecipe(r, out);
      return 0;
    }
    throw new LatheError('INVALID_ARGUMENTS', `Unknown dataset command "${[verb, target].filter(Boolean).join(' ')}".`, `Usage: ${USAGE}`);
  } finally {
    await engine.dispose();
  }
}

function printRecipe(r: Recipe, out: (s: string) => void) {
  out(`${r.name}  (${r.totalExamples} examples${r.totalTokens !== null ? `, ${r.totalTokens} tokens` : ''})  ${r.id}`);
  for (const c of r.components) {
    const tokens = c.tokens !== null ? `${c.tokens} tokens → ${c.mixTokens} in the mix (×${c.repeats!.toFixed(2)})` : 'tokens not counted';
    out(`  ${(c.ratio * 100).toFixed(0).padStart(3)}%  ${c.datasetName} v${c.versionNumber} [${c.kind}]  ${c.examples} examples, ${tokens}`);
  }
}

function share(v: string, flag: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new LatheError('INVALID_ARGUMENTS', `${flag} must be a number from ${min} to ${max}, got "${v}".`, `Usage: ${USAGE}`);
  return n;
}

/** The parent of DATASET[@N]: what a one-version diff compares against. */
async function parentOf(engine: Engine, spec: string): Promise<string> {
  const id = await versionOf(engine, spec);
  const dataset = (await engine.call('datasets.list', {})).datasets.find((d) => d.name === /^(.*?)(?:@\d+)?$/.exec(spec)![1])!;
  const v = (await engine.call('datasets.versions', { datasetId: dataset.id })).versions.find((x) => x.id === id)!;
  if (!v.parentId) throw new LatheError('INVALID_ARGUMENTS', `${spec} is the dataset's first version; it has no parent to compare with.`, 'Name two versions: lathe dataset diff NAME@1 NAME@2.');
  return v.parentId;
}

/** "name" → latest version; "name@3" → version 3. */
async function versionOf(engine: Engine, spec: string | undefined): Promise<string> {
  if (!spec) throw new LatheError('INVALID_ARGUMENTS', 'Which dataset?', `Usage: ${USAGE}`);
  const m = /^(.*?)(?:@(\d+))?$/.exec(spec)!;
  const dataset = (await engine.call('datasets.list', {})).datasets.find((d) => d.name === m[1]);
  if (!dataset) throw new LatheError('NOT_FOUND', `There is no dataset named "${m[1]}".`, 'See the Datasets page, or import it first with `lathe import`.');
  if (!m[2]) return dataset.latestVersion!.id;
  const v = (await engine.call('datasets.versions', { datasetId: dataset.id })).versions.find((x) => x.number === Number(m[2]));
  if (!v) throw new LatheError('NOT_FOUND', `"${m[1]}" has no version ${m[2]}.`, `It has versions 1 to ${dataset.latestVersion!.number}.`);
  return v.id;
}
