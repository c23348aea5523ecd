import fs from 'node:fs';
import { LatheError } from '../../shared/contract/errors.js';
import { evalTaskSchema, type EvalSummary, type EvalTask, type EvalTaskReport } from '../../shared/contract/features/evals.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { intFlag, parseFlags } from '../args.js';
import { resolveGgufModelId, resolveRecordId } from '../ids.js';
import { evalHygieneCommand, HYGIENE_COMMANDS, HYGIENE_USAGE } from './eval-hygiene.js';

const USAGE = `lathe eval --model NAME|ID [--adapter NAME|ID] --dataset DATASET[@N] [--split test|validation|train|all] [--max-tokens N] [--limit N]
                 [--task qa|classification|structured] [--schema SCHEMA.json]   (structured: answers must satisfy the schema)
       lathe eval --resume EVAL_ID
       lathe eval compare EVAL_A EVAL_B [--metric f1|exact|rougeL]
       lathe eval judge EVAL_ID --judge NAME|ID [--judge-adapter NAME|ID] --rubric TEXT|--rubric-file FILE [--max-tokens N]
       ${HYGIENE_USAGE}
  (every form takes --data-dir DIR; DATASET@N picks version N, the latest otherwise; ids may be shortened to their first characters)`;

/**
 * Runs an eval headless through the same engine service as the app (greedy decoding, per-item results stored,
 * resumable), or compares two evals with paired bootstrap intervals.
 */
export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      model: { type: 'string' }, adapter: { type: 'string', multiple: true }, dataset: { type: 'string' }, split: { type: 'string' },
      'max-tokens': { type: 'string' }, limit: { type: 'string' }, resume: { type: 'string' }, metric: { type: 'string' }, 'data-dir': { type: 'string' },
      training: { type: 'string', multiple: true }, n: { type: 'string' }, threshold: { type: 'string' }, max: { type: 'string' },
      task: { type: 'string' }, schema: { type: 'string' },
      judge: { type: 'string' }, 'judge-adapter': { type: 'string', multiple: true }, rubric: { type: 'string' }, 'rubric-file': { type: 'string' },
    },
    USAGE,
  );
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  const out = (s: string) => process.stdout.write(s);
  try {
    if (HYGIENE_COMMANDS.includes(positionals[0] ?? '')) return await evalHygieneCommand(engine, positionals, values, (spec) => versionOf(engine, spec), out);
    if (positionals[0] === 'compare') {
      const [, a, b] = positionals;
      if (!a || !b) throw new LatheError('INVALID_ARGUMENTS', 'compare needs two eval ids.', `Usage: ${USAGE}`);
      const metric = (values.metric ?? 'f1') as 'f1' | 'exact' | 'rougeL';
      const c = await engine.call('evals.compare', { aEvalId: resolveRecordId(engine, 'eval', a), bEvalId: resolveRecordId(engine, 'eval', b), metric });
      out(`${c.b.label}  vs  ${c.a.label}  (${c.metrics[0]!.interval.n} paired items)\n`);
      for (const m of c.metrics) {
        const i = m.interval;
        out(`  ${m.metric.padEnd(7)} ${pts(m.a)} → ${pts(m.b)}  Δ ${signed(i.delta)} [${signed(i.low)}, ${signed(i.high)}] ${Math.round(i.confidence * 100)}% CI\n`);
      }
      out(`  ${c.improvements} better, ${c.unchanged} unchanged, ${c.regressions.length} worse on ${metric}\n`);
      for (const r of c.regressions.slice(0, 10)) out(`    #${r.position} ${pts(r.scoreA)} → ${pts(r.scoreB)}  ${r.prompt.slice(0, 60)}\n`);
      return 0;
    }
    if (positionals[0] === 'judge') {
      const evalId = positionals[1];
      if (!evalId || !values.judge) throw new LatheError('INVALID_ARGUMENTS', 'judge needs the eval id and --judge MODEL.', `Usage: ${USAGE}`);
      const rubric = rubricOf(values.rubric, values['rubric-file']);
      const stop = engine.ctx.events.listen('job.progress', (p) => p.state === 'running' && process.stderr.isTTY && process.stderr.write(`\r${p.message}   `));
      try {
        const j = await engine.call('evals.judge', {
          evalId: resolveRecordId(engine, 'eval', evalId), judgeModelId: await modelIdOf(engine, values.judge), judgeAdapterIds: await Promise.all((values['judge-adapter'] ?? []).map((a) => modelIdOf(engine, a))), rubric,
          ...(values['max-tokens'] ? { maxTokens: intFlag(values['max-tokens'], 'max-tokens', 16) } : {}),
        });
        out(`Judging ${j.id} of eval ${j.evalId}\n  ${j.judged} items judged · mean ${j.meanScore === null ? '—' : j.meanScore.toFixed(2)}/5 (${j.normalized === null ? '—' : pts(j.normalized)}%) · ${j.unparsed} verdicts unreadable\n`);
      } finally {
        stop();
        if (process.stderr.isTTY) process.stderr.write('\n');
      }
      return 0;
    }
    const split = (values.split ?? 'test') as 'test';
    if (!['test', 'validation', 'train', 'all'].includes(split)) throw new LatheError('INVALID_ARGUMENTS', `--split must be test, validation, train or all, got "${values.split}".`, `Usage: ${USAGE}`);
    let args: Parameters<typeof engine.call<'evals.start'>>[1];
    if (values.resume) args = { resumeEvalId: resolveRecordId(engine, 'eval', values.resume) };
    else {
      if (!values.model || !values.dataset) throw new LatheError('INVALID_ARGUMENTS', 'Which model and which dataset? --model and --dataset are required.', `Usage: ${USAGE}`);
      args = {
        modelId: await modelIdOf(engine, values.model), adapterIds: await Promise.all((values.adapter ?? []).map((a) => modelIdOf(engine, a))), datasetVersionId: await versionOf(engine, values.dataset), split,
        maxTokens: intFlag(values['max-tokens'], 'max-tokens', 64), ...(values.limit ? { limit: intFlag(values.limit, 'limit', 1) } : {}),
        ...taskArgs(values.task, values.schema),
      };
    }
    const stop = engine.ctx.events.listen('job.progress', (p) => p.kind === 'eval' && p.state === 'running' && process.stderr.isTTY && process.stderr.write(`\r${p.message}   `));
    let s: EvalSummary;
    try {
      s = await engine.call('evals.start', args);
    } finally {
      stop();
      if (process.stderr.isTTY) process.stderr.write('\n');
    }
    out(`Eval ${s.id}\n  ${s.label}\n  ${s.doneItems} items · exact ${pts(s.scores?.exact ?? 0)} · F1 ${pts(s.scores?.f1 ?? 0)} · ROUGE-L ${pts(s.scores?.rougeL ?? 0)} · ${Math.round(s.meanLatencyMs ?? 0)} ms/item\n`);
    if (s.task !== 'qa') out(taskReportText(await engine.call('evals.taskReport', { evalId: s.id })));
    return 0;
  } finally {
    await engine.dispose();
  }
}

const pts = (x: number) => (x * 100).toFixed(1);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`;

async function versionOf(engine: Engine, spec: string): Promise<string> {
  const m = /^(.*?)(?:@(\d+))?$/.exec(spec)!;
  const dataset = (await engine.call('datasets.list', {})).datasets.find((d) => d.name === m[1]);
  if (!dataset) throw new LatheError('NOT_FOUND', `There is no dataset named "${m[1]}".`, 'Import it first with `lathe import`.');
  if (!m[2]) return dataset.latestVersion!.id;
  const v = (await engine.call('datasets.versions', { datasetId: dataset.id })).versions.find((x) => x.number === Number(m[2]));
  if (!v) throw new LatheError('NOT_FOUND', `"${m[1]}" has no version ${m[2]}.`, `It has versions 1 to ${dataset.latestVersion!.number}.`);
  return v.id;
}

/** --task and --schema as evals.start arguments; a schema file that is missing or not JSON is refused here. */
function taskArgs(task: string | undefined, schemaFile: string | undefined): { task?: EvalTask; jsonSchema?: Record<string, unknown> } {
  if (task === undefined && schemaFile === undefined) return {};
  const parsed = evalTaskSchema.safeParse(task ?? (schemaFile ? 'structured' : 'qa'));
  if (!parsed.success) throw new LatheError('INVALID_ARGUMENTS', `--task must be qa, classification or structured, got "${task}".`, `Usage: ${USAGE}`);
  if (parsed.data !== 'structured') {
    if (schemaFile) throw new LatheError('INVALID_ARGUMENTS', '--schema goes with --task structured.', 'Drop --schema, or use --task structured.');
    return { task: parsed.data };
  }
  if (!schemaFile) throw new LatheError('INVALID_ARGUMENTS', '--task structured needs --schema SCHEMA.json: the JSON schema every answer must satisfy.', `Usage: ${USAGE}`);
  let text: string;
  try {
    text = fs.readFileSync(schemaFile, 'utf8');
  } catch {
    throw new LatheError('NOT_FOUND', `Cannot read the schema file ${schemaFile}.`, 'Check the path.');
  }
  try {
    const schema = JSON.parse(text) as unknown;
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) throw new Error('not an object');
    return { task: 'structured', jsonSchema: schema as Record<string, unknown> };
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `${schemaFile} is not a JSON schema object (${(err as Error).message}).`, 'Write the schema as one JSON object, e.g. {"type":"object","properties":{…}}.');
  }
}

function taskReportText(r: EvalTaskReport): string {
  if (r.classification) {
    const c = r.classification;
    const rows = c.labels.map((l) => `    ${l.label.padEnd(16)} n ${String(l.n).padStart(4)}  accuracy ${pts(l.accuracy)}  precision ${l.precision === null ? '—' : pts(l.precision)}  recall ${l.recall === null ? '—' : pts(l.recall)}  F1 ${pts(l.f1)}\n`);
    return `  classification: accuracy ${pts(c.accuracy)} · macro-F1 ${pts(c.macroF1)} · ${c.outsideLabelSet} answers outside the label set\n${rows.join('')}`;
  }
  if (r.structured) {
    const s = r.structured;
    return `  structured: parses ${pts(s.parseRate)} · schema-valid ${pts(s.schemaValidRate)} · field accuracy ${s.fieldAccuracy === null ? '—' : pts(s.fieldAccuracy)}\n${s.fields.map((f) => `    ${f.field.padEnd(16)} n ${String(f.n).padStart(4)}  accuracy ${pts(f.accuracy)}\n`).join('')}`;
  }
  return '';
}

const modelIdOf = (engine: Engine, key: string): Promise<string> => resolveGgufModelId(engine, key);

function rubricOf(text: string | undefined, file: string | undefined): string {
  if (text !== undefined && file !== undefined) throw new LatheError('INVALID_ARGUMENTS', 'Give the rubric once: --rubric TEXT or --rubric-file FILE.', `Usage: ${USAGE}`);
  if (file !== undefined) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      throw new LatheError('NOT_FOUND', `Cannot read the rubric file ${file}.`, 'Check the path.');
    }
  }
  if (text === undefined) throw new LatheError('INVALID_ARGUMENTS', 'What should the judge look for? --rubric TEXT or --rubric-file FILE is required.', `Usage: ${USAGE}`);
  return text;
}
