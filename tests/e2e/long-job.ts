import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../../src/engine/engine.js';

const TINY_GGUF = process.env.LATHE_TEST_TINY_GGUF || path.join(os.homedir(), '.cache/lathe/tiny-model/seed-0/tiny.gguf');

/**
 * A real job that runs for minutes and can be cancelled at any moment: importing (hashing) a GGUF whose header is
 * the tiny model's and whose tail is a 256 GiB sparse hole. The hole costs no disk, but sha256 reads every byte of
 * it (about 1.5 s a GiB on two busy cores, well over a minute on a fast one), with progress all along.
 */
export interface LongJob {
  jobId: string;
  /** Settles when the job ends: the error it ended with (CANCELLED), or null if it finished. */
  ended: Promise<{ code?: string } | null>;
  /** Removes the file (after the job has ended). */
  cleanUp(): void;
}

export function startLongHash(engine: Engine, jobId: string): LongJob {
  if (!fs.existsSync(TINY_GGUF)) throw new Error(`The tiny model is missing at ${TINY_GGUF}: run \`npm run demo\` to build it.`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-e2e-long-job-'));
  const file = path.join(dir, 'grid-forecaster-256g.gguf');
  fs.copyFileSync(TINY_GGUF, file);
  fs.truncateSync(file, 256 * 1024 ** 3);
  const ended = engine.call('models.import', { path: file, name: 'grid-forecaster (256 GiB)', jobId }).then(
    () => null,
    (err: unknown) => err as { code?: string },
  );
  return { jobId, ended, cleanUp: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
