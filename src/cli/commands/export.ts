import { LatheError } from '../../shared/contract/errors.js';
import { EXPORT_FORMATS, MERGED_DTYPES, describeGgufChecks, type ExportFormat, type MergedDtype } from '../../shared/contract/features/exports.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { parseFlags } from '../args.js';
import { resolveModelId } from '../ids.js';

const USAGE = `lathe export MODEL [--formats ${EXPORT_FORMATS.join(',')}] [--dtype ${MERGED_DTYPES.join('|')}] [--name NAME] [--intended-use TEXT] [--limitations TEXT] | lathe export --list   [--data-dir DIR]   (MODEL: a name, an id or its first characters, as "lathe models list" prints them)`;

/** One export folder (merged safetensors, GGUFs, Modelfile, model card, SHA256SUMS), verified, recorded as a draft. */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { formats: { type: 'string' }, dtype: { type: 'string' }, name: { type: 'string' }, 'intended-use': { type: 'string' }, limitations: { type: 'string' }, list: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    USAGE,
  );
  const formats = values.formats?.split(',').map((f) => f.trim()).filter(Boolean);
  for (const f of formats ?? []) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new LatheError('INVALID_ARGUMENTS', `Unknown export format "${f}".`, `Use some of: ${EXPORT_FORMATS.join(', ')}.`);
  }
  if (values.dtype !== undefined && !(MERGED_DTYPES as readonly string[]).includes(values.dtype)) {
    throw new LatheError('INVALID_ARGUMENTS', `Unknown dtype "${values.dtype}" for the merged weights.`, `Use one of: ${MERGED_DTYPES.join(', ')} (auto keeps the base model's).`);
  }
  if (!values.list && !positionals[0]) throw new LatheError('INVALID_ARGUMENTS', 'Which model or adapter should be exported?', `Usage: ${USAGE} (ids: lathe models list)`);
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  const stop = engine.ctx.events.listen('job.progress', (p) => {
    if (p.state === 'running' && process.stdout.isTTY) process.stdout.write(`\r  ${((p.fraction ?? 0) * 100).toFixed(0).padStart(3)}%  ${p.message.slice(0, 90).padEnd(90)}`);
  });
  const out = (text: string) => process.stdout.write(`${process.stdout.isTTY ? '\r' : ''}${text}\n`);
  try {
    if (values.list) {
      for (const e of (await engine.call('exports.list', {})).exports) out(`${e.id.slice(0, 8)}  ${e.status.padEnd(7)}  ${e.createdAt}  ${e.name}  ${e.path}`);
      return 0;
    }
    const modelId = await resolveModelId(engine, positionals[0]!);
    const e = await engine.call('exports.create', {
      modelId,
      ...(formats ? { formats: formats as ExportFormat[] } : {}),
      ...(values.dtype ? { mergedDtype: values.dtype as MergedDtype } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(values['intended-use'] ? { intendedUse: values['intended-use'] } : {}),
      ...(values.limitations ? { limitations: values.limitations } : {}),
    });
    out(`Exported ${e.name} (${e.status}) to ${e.path}`);
    for (const f of e.files) out(`  ${f.sha256.slice(0, 16)}  ${(f.bytes / 2 ** 20).toFixed(1).padStart(8)} MB  ${f.path}`);
    const merged = e.verification.merged as { maxAbsDiff?: number; tolerance?: number } | undefined;
    if (merged) out(`Merged logits vs base+adapter: max |Δ| ${merged.maxAbsDiff?.toExponential(2)} (tolerance ${merged.tolerance})`);
    for (const line of describeGgufChecks(e.verification)) out(`GGUF vs source model: ${line}`);
    out(`SHA256SUMS sha256 ${e.manifestSha256}`);
    return 0;
  } finally {
    stop();
    await engine.dispose();
  }
}
