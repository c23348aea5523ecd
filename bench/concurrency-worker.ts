/**
 * One process of bench/concurrency-bench.ts (and its test): opens an Engine on a shared data folder, as a second
 * app window or a CLI beside the app would, and for `seconds` either writes (imports, curation) or reads (lists,
 * pages, full-text search, audit), counting operations and errors by code. Prints one JSON line.
 *
 *   tsx bench/concurrency-worker.ts DATA_DIR reader|writer SECONDS SAMPLE.jsonl
 */
import { Engine } from '../src/engine/engine.js';
import { toErrorData } from '../src/shared/contract/errors.js';

const [dataDir, role, secondsText, sample] = process.argv.slice(2);
const engine = Engine.open({ dataDir: dataDir!, mode: 'cli' });
const until = Date.now() + Number(secondsText) * 1000;
const errors: Record<string, number> = {};
let ops = 0;
let worst = 0;

async function op(fn: () => Promise<unknown>): Promise<void> {
  const t = performance.now();
  try {
    await fn();
    ops += 1;
  } catch (err) {
    const code = toErrorData(err).code;
    if (code === 'NO_CHANGE') {
      ops += 1; // a dedup with nothing to remove answers at once and writes nothing: done, not an error
      worst = Math.max(worst, performance.now() - t);
      return;
    }
    errors[code] = (errors[code] ?? 0) + 1;
    if (Object.values(errors).reduce((a, b) => a + b, 0) <= 3) process.stderr.write(`${role}: ${toErrorData(err).message}\n`);
  }
  worst = Math.max(worst, performance.now() - t);
}

async function main(): Promise<void> {
  let round = 0;
  while (Date.now() < until) {
    round += 1;
    if (role === 'writer') {
      await op(() => engine.call('datasets.import', { path: sample!, datasetName: `w${process.pid}-${round % 5}` }));
      const { datasets } = await engine.call('datasets.list', {});
      const mine = datasets.find((d) => d.name === `w${process.pid}-${round % 5}`);
      if (mine?.latestVersion) await op(() => engine.call('datasets.curate', { versionId: mine.latestVersion!.id, operation: { op: 'dedup-exact' } }));
    } else {
      const { datasets } = await engine.call('datasets.list', {});
      ops += 1;
      for (const d of datasets.slice(0, 3)) {
        const versionId = d.latestVersion?.id;
        if (!versionId) continue;
        await op(() => engine.call('datasets.examples', { versionId, limit: 50 }));
        await op(() => engine.call('datasets.search', { versionId, query: 'transformer' }));
      }
      await op(() => engine.call('audit.list', { limit: 50 }));
      await op(() => engine.call('runs.list', {}));
    }
  }
}

main()
  .then(async () => {
    await engine.dispose();
    process.stdout.write(`${JSON.stringify({ role, pid: process.pid, ops, errors, worstMs: Math.round(worst) })}\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
