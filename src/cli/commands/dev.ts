import { LatheError } from '../../shared/contract/errors.js';
import { ensureTinyModel } from '../../engine/models/tiny-model.js';
import { intFlag, parseFlags } from '../args.js';

const USAGE = 'lathe dev make-tiny-model [--out DIR] [--seed N] [--steps N]';

export async function devCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { out: { type: 'string' }, seed: { type: 'string' }, steps: { type: 'string' } },
    USAGE,
  );
  if (positionals[0] !== 'make-tiny-model') {
    throw new LatheError('INVALID_ARGUMENTS', `Unknown dev command "${positionals[0] ?? ''}".`, `Usage: ${USAGE}`);
  }
  const model = await ensureTinyModel({
    seed: intFlag(values.seed, 'seed', 0),
    ...(values.steps ? { steps: intFlag(values.steps, 'steps', 0) } : {}),
    ...(values.out ? { outDir: values.out } : {}),
    onEvent: (e) => {
      if (e.type === 'progress') process.stderr.write(`${String(e.stage ?? '')} ${String(e.message ?? '')}\n`);
    },
  });
  process.stdout.write(JSON.stringify({ dir: model.dir, hf: model.hfDir, gguf: model.ggufPath, cached: model.cached }, null, 2) + '\n');
  return 0;
}
