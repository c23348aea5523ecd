import { getLlama, type Token } from 'node-llama-cpp';
import { execFileSync } from 'node:child_process';
const model = process.env.HOME + '/.cache/lathe/bench-model/bench-85m-f16.gguf';
const bench = process.argv[2]!;
const threads = 1, pp = 128, reps = 3;
function ref(extra: string[]) {
  const out = execFileSync(bench, ['-m', model, '-p', String(pp), '-n', '0', '-t', String(threads), '-r', String(reps), '-o', 'json', ...extra], { encoding: 'utf8' });
  return (JSON.parse(out) as Array<{ avg_ts: number }>)[0]!.avg_ts;
}
const llama = await getLlama({ build: 'never', gpu: false, logLevel: 'error' as never, progressLogs: false });
console.log('buildType', llama.buildType, 'cpuMathCores', llama.cpuMathCores, 'systemInfo', llama.systemInfo);
const m = await llama.loadModel({ modelPath: model, gpuLayers: 0 });
async function ours(label: string, opts: Record<string, unknown>) {
  const ctx = await m.createContext({ contextSize: 256, threads: { ideal: threads, min: threads }, ...opts });
  const seq = ctx.getSequence();
  const seed = m.tokenize('The substation transformer steps the grid voltage down for the feeder lines. ');
  const prompt: Token[] = Array.from({ length: pp }, (_, i) => seed[i % seed.length]!);
  const run = async () => { await seq.clearHistory(); const t = performance.now(); await seq.evaluateWithoutGeneratingNewTokens(prompt); return pp / ((performance.now() - t) / 1000); };
  await run(); const xs: number[] = []; for (let i = 0; i < reps; i++) xs.push(await run());
  await ctx.dispose();
  return xs.reduce((a, b) => a + b) / xs.length;
}
const cases: Array<[string, Record<string, unknown>, string[]]> = [
  ['default(fa auto)', {}, []],
  ['fa off', { flashAttention: false }, ['-fa', '0']],
  ['fa on', { flashAttention: true }, ['-fa', '1']],
  ['batch 512', { batchSize: 512 }, ['-ub', '512']],
];
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++)
  for (const [label, opts, extra] of cases) {
    const r = ref(extra); const o = await ours(label, opts);
    console.log(`r${round} ${label.padEnd(18)} llama-bench ${r.toFixed(0)} ours ${o.toFixed(0)} ratio ${(o / r).toFixed(2)}`);
  }
await m.dispose(); await llama.dispose();
