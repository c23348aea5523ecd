import { LatheError } from '../../shared/contract/errors.js';
import { GGUF_OUTTYPES, type GgufOuttype, type ModelSummary } from '../../shared/contract/features/models.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { parseFlags } from '../args.js';
import { resolveModelId } from '../ids.js';

const USAGE =
  'lathe models list [--json] | inspect PATH | import PATH [--name N] [--copy] [--parent MODEL] | show MODEL\n' +
  `       | convert MODEL --to ${GGUF_OUTTYPES.join('|')}   [--data-dir DIR]\n` +
  '  (MODEL: a name, a full id or its first characters as `lathe models list` prints them)';

/** The model registry, headless: list, inspect (dry run), import (hash with progress), show lineage, convert. */
export async function modelsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { name: { type: 'string' }, copy: { type: 'boolean' }, parent: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    USAGE,
  );
  const [verb, target] = positionals;
  if (!verb) throw new LatheError('INVALID_ARGUMENTS', 'Which models command?', `Usage: ${USAGE}`);
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  const stop = engine.ctx.events.listen('job.progress', (p) => {
    if (p.state === 'running' && process.stdout.isTTY) process.stdout.write(`\r  ${((p.fraction ?? 0) * 100).toFixed(0).padStart(3)}%  ${p.message.slice(0, 90).padEnd(90)}`);
  });
  const out = (text: string) => process.stdout.write(`${process.stdout.isTTY ? '\r' : ''}${text}\n`);
  const need = (what: string) => {
    if (!target) throw new LatheError('INVALID_ARGUMENTS', `Missing ${what}.`, `Usage: ${USAGE}`);
    return target;
  };
  try {
    switch (verb) {
      case 'list': {
        const { models } = await engine.call('models.list', {});
        if (values.json) out(JSON.stringify(models, null, 2));
        else if (!models.length) out('No models registered yet. Import one with `lathe models import PATH`.');
        else for (const m of models) out(row(m));
        return 0;
      }
      case 'inspect': {
        const i = await engine.call('models.inspect', { path: need('PATH') });
        out(JSON.stringify({ ...i, chatTemplate: i.chatTemplate ? `${i.chatTemplate.slice(0, 80)}…` : null }, null, 2));
        return 0;
      }
      case 'import': {
        const path = need('PATH');
        const parentId = values.parent === undefined ? undefined : await resolveModelId(engine, values.parent);
        const r = await engine.call('models.import', { path, copy: Boolean(values.copy), ...(values.name ? { name: values.name } : {}), ...(parentId ? { parentId } : {}) });
        out(`${r.alreadyRegistered ? 'Already registered' : 'Registered'}: ${row(r.model)}`);
        out(`sha256 ${r.model.sha256}`);
        return 0;
      }
      case 'show': {
        const r = await engine.call('models.get', { modelId: await resolveModelId(engine, need('MODEL_ID')) });
        out(JSON.stringify({ ...r.model, chatTemplate: r.model.chatTemplate ? `${r.model.chatTemplate.slice(0, 80)}…` : null }, null, 2));
        if (r.parent) out(`parent:   ${row(r.parent)}`);
        for (const c of r.children) out(`child:    ${row(c)}`);
        return 0;
      }
      case 'convert': {
        const to = (values.to ?? 'F16').toUpperCase();
        if (!(GGUF_OUTTYPES as readonly string[]).includes(to)) throw new LatheError('INVALID_ARGUMENTS', `Unknown output type "${values.to}".`, `Use one of: ${GGUF_OUTTYPES.join(', ')}.`);
        const r = await engine.call('models.convert', { modelId: await resolveModelId(engine, need('MODEL_ID')), outtype: to as GgufOuttype });
        out(`Converted: ${row(r.model)}`);
        out(`file ${r.model.path}\nsha256 ${r.model.sha256}`);
        return 0;
      }
      default:
        throw new LatheError('INVALID_ARGUMENTS', `Unknown models command "${verb}".`, `Usage: ${USAGE}`);
    }
  } finally {
    stop();
    await engine.dispose();
  }
}

function row(m: ModelSummary): string {
  const size = m.sizeBytes > 1 << 30 ? `${(m.sizeBytes / 2 ** 30).toFixed(1)} GB` : `${(m.sizeBytes / 2 ** 20).toFixed(1)} MB`;
  const params = m.parameters ? `${(m.parameters / 1e6).toFixed(m.parameters < 1e7 ? 2 : 0)}M params` : '';
  return [m.id.slice(0, 8), m.kind.padEnd(9), m.format.padEnd(4), m.quantization ?? '-', size, params, m.sha256.slice(0, 12), m.name].join('  ');
}
