import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { LatheError } from '../../shared/contract/errors.js';
import { Engine } from '../../engine/engine.js';
import { resolveDataDir } from '../../engine/paths.js';
import { assertLoadableGguf, resolveTarget } from '../../engine/playground/targets.js';
import { intFlag, parseFlags } from '../args.js';
import { resolveGgufModelId } from '../ids.js';

const USAGE = 'lathe chat --model NAME|ID|ID_PREFIX|FILE.gguf [--adapter FILE.gguf] [--system TEXT] [--max-tokens N] [--temperature T] [--seed N] [PROMPT]';

/**
 * Chat with a registered GGUF model (by name or id, adapters included) or a GGUF file, through the same inference
 * host as the app. With a prompt: one answer. Without: a conversation on stdin, one line per message.
 */
export async function chatCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      model: { type: 'string' }, adapter: { type: 'string', multiple: true }, system: { type: 'string' }, 'max-tokens': { type: 'string' },
      temperature: { type: 'string' }, seed: { type: 'string' }, 'data-dir': { type: 'string' },
    },
    USAGE,
  );
  if (!values.model) throw new LatheError('INVALID_ARGUMENTS', 'Which model? --model is required.', `Usage: ${USAGE}`);
  const temperature = values.temperature === undefined ? 0.7 : Number(values.temperature);
  if (!Number.isFinite(temperature) || temperature < 0 || temperature > 5) throw new LatheError('INVALID_ARGUMENTS', `--temperature must be between 0 and 5, got "${values.temperature}".`, 'Example: --temperature 0.7');
  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    const { modelPath, adapters } = await pickModel(engine, values.model, values.adapter ?? []);
    const client = engine.ctx.inference.client();
    const history: Array<{ role: 'user' | 'assistant'; content: string }> = [];
    const ask = async (prompt: string) => {
      const requestId = randomUUID();
      const stop = client.listen('inference.token', (t) => t.requestId === requestId && process.stdout.write(t.text));
      try {
        const r = await client.send('inference.chat', {
          requestId, modelPath, adapters, history, prompt, ...(values.system ? { system: values.system } : {}),
          maxTokens: intFlag(values['max-tokens'], 'max-tokens', 256), temperature, seed: intFlag(values.seed, 'seed', 0),
        });
        process.stdout.write(`\n\x1b[2m(${r.tokens} tokens · ${r.tokensPerSecond.toFixed(1)} tok/s · first token after ${Math.round(r.timeToFirstTokenMs)} ms)\x1b[0m\n`);
        history.push({ role: 'user', content: prompt }, { role: 'assistant', content: r.text });
      } finally {
        stop();
      }
    };
    if (positionals.length) {
      await ask(positionals.join(' '));
      return 0;
    }
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
    rl.prompt();
    for await (const line of rl) {
      if (line.trim()) await ask(line.trim());
      rl.prompt();
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}

async function pickModel(engine: Engine, model: string, adapterFiles: string[]) {
  for (const file of adapterFiles) assertLoadableGguf(file);
  const adapters = adapterFiles.map((path) => ({ path }));
  if (model.endsWith('.gguf') && fs.existsSync(model)) {
    assertLoadableGguf(model);
    return { modelPath: model, adapters };
  }
  const db = engine.ctx.db;
  if (!db) throw new LatheError('DB_CORRUPT', 'The library database is unavailable, so registered models cannot be looked up.', 'Pass a GGUF file path instead, or run `lathe doctor`.');
  const target = resolveTarget(db, { modelId: await resolveGgufModelId(engine, model), adapterIds: [] });
  return { modelPath: target.model.path, adapters: [...target.adapters.map((a) => ({ path: a.path })), ...adapters] };
}
