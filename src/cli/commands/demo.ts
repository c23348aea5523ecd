import { randomUUID } from 'node:crypto';
import { Engine } from '../../engine/engine.js';
import { ensureTinyModel } from '../../engine/models/tiny-model.js';
import { resolveDataDir } from '../../engine/paths.js';
import type { TrainerEvent } from '../../engine/training/trainer-command.js';
import { intFlag, parseFlags } from '../args.js';

const DEFAULT_PROMPT = 'What should a crew check before working on a substation transformer?';

/**
 * The main job on the bundled sample, end to end: build the tiny model from the shipped corpus (cached),
 * load its GGUF in the inference host and answer a question, recording each step in the audit log.
 */
export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    { 'data-dir': { type: 'string' }, prompt: { type: 'string' }, seed: { type: 'string' }, 'max-tokens': { type: 'string' } },
    'lathe demo [--data-dir DIR] [--prompt TEXT] [--seed N] [--max-tokens N]',
  );
  const seed = intFlag(values.seed, 'seed', 0);
  const out = process.stdout;
  out.write('Lathe demo — build a tiny domain model from the bundled Northwind Grid manual, then ask it a question.\n\n');

  out.write('1/3 Building the tiny model (cached after the first run)…\n');
  const started = Date.now();
  const model = await ensureTinyModel({ seed, onEvent: progressPrinter() });
  out.write(
    `    ${model.cached ? 'Reused' : 'Built'} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${model.ggufPath}\n` +
      `    sha256 ${String((model.manifest.gguf_sha256 ?? model.manifest.sha256_gguf ?? '') || 'see manifest.json')}\n\n`,
  );

  const engine = Engine.open({ dataDir: resolveDataDir(values['data-dir']), mode: 'cli' });
  try {
    engine.ctx.audit?.append({
      actor: engine.ctx.actor,
      action: 'demo.model-ready',
      objectType: 'model',
      objectId: model.ggufPath,
      details: { cached: model.cached, manifest: model.manifest },
    });
    out.write('2/3 Loading it with node-llama-cpp in the inference host…\n');
    const inference = engine.ctx.inference.client();
    const probe = await inference.send('inference.probe', {});
    out.write(`    backend: ${probe.backend}, ${probe.cpuThreads} threads, node-llama-cpp ${probe.nodeLlamaCppVersion}\n\n`);

    const prompt = values.prompt ?? DEFAULT_PROMPT;
    out.write(`3/3 Asking: "${prompt}"\n\n    `);
    const requestId = randomUUID();
    const stop = inference.listen('inference.token', (t) => {
      if (t.requestId === requestId) out.write(t.text.replace(/\n/g, '\n    '));
    });
    const answer = await inference.send('inference.chat', {
      requestId,
      modelPath: model.ggufPath,
      prompt,
      maxTokens: intFlag(values['max-tokens'], 'max-tokens', 60),
      temperature: 0,
      seed,
    });
    stop();
    out.write(
      `\n\n    ${answer.tokens} tokens, ${answer.tokensPerSecond.toFixed(0)} tokens/s, first token after ` +
        `${answer.timeToFirstTokenMs.toFixed(0)} ms (${answer.stopReason}).\n`,
    );
    engine.ctx.audit?.append({
      actor: engine.ctx.actor,
      action: 'demo.generate',
      objectType: 'model',
      objectId: model.ggufPath,
      details: { prompt, tokens: answer.tokens, seed },
    });
    out.write(
      '\nThe tiny model has 2 layers and a 512-piece vocabulary: its words come from the manual, its sense does not.\n' +
        'Next: `npm run serve` for the interface, `npm run lathe -- doctor` to check your GPU.\n',
    );
    if (!answer.text.trim()) {
      process.stderr.write('The model produced no text; rebuild it with `npm run lathe -- dev make-tiny-model`.\n');
      return 1;
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}

function progressPrinter(): (e: TrainerEvent) => void {
  let lastStage = '';
  let lastPrint = 0;
  return (e) => {
    if (e.type !== 'progress') return;
    const stage = String(e.stage ?? '');
    const now = Date.now();
    if (stage === lastStage && now - lastPrint < 2000) return;
    lastStage = stage;
    lastPrint = now;
    const pct = typeof e.fraction === 'number' ? ` ${(e.fraction * 100).toFixed(0)}%` : '';
    process.stdout.write(`    ${stage}${pct} ${String(e.message ?? '')}\n`);
  };
}
