#!/usr/bin/env node
/**
 * `npm test`: typecheck, lint (eslint with the process-boundary import rules; ruff on the trainer), engine unit tests
 * (vitest, real SQLite and llama.cpp), trainer tests (pytest, real torch on CPU), end-to-end tests in Chromium
 * against browser mode, then the offline bundle built, installed and run with no network (tests/bundle/). Every
 * stage runs; the exit code says whether all passed.
 *
 * CI has 2 cores and 90 minutes, and one vitest worker or one pytest process leaves a core mostly idle (each waits
 * on the trainer or llama.cpp processes it starts), so three lanes start at once, each running its stages in order:
 *   caches (tiny model, llama tools)  |  typecheck → lint → e2e → unit  |  trainer → unit's training files → bundle
 * e2e comes before unit so that it never runs beside the bundle stage: the bundle's 4 GB of checksums and wheel
 * installs stalled Chromium past its 30 s timeouts when they ran side by side.
 * A stage waits only for the cache it needs: e2e, unit and trainer for the tiny model (a line of the caches stage says
 * it is ready), bundle for the whole caches stage; a unit test that needs llama-quantize before it is built waits on
 * the build's lock. Each stage's output is printed whole when it ends (lanes do not interleave), and a line every
 * two minutes says what each running stage is doing. CI keeps only the tail of the output, so the summary repeats,
 * for each failed stage, the lines that name what failed (vitest's FAIL/×, pytest's FAILED, the first assertion
 * messages, the test-file lines they point at, and lines a test prints starting `[why]` to say what it saw). LATHE_TEST_ONLY=unit,e2e runs only the stages whose names start so (and the caches they need).
 */
import { spawn } from 'node:child_process';

const stage = (name, cmd, args, opts = {}) => ({ name, cmd, args, needs: [], ...opts });
const CACHES = stage('caches (tiny model, llama tools)', process.execPath, ['--import', 'tsx', 'scripts/prepare-test-caches.ts'],
  { signals: { tiny: /^\[caches\] tiny model (built|reused)/ }, provides: 'caches' });
// The unit files that train and export real models through the engine take a third of the unit stage between them
// (family-matrix alone 11 min): they run in the trainer's lane, so that neither lane waits on the other for long.
// The SSH target's runs (~3 min of real training over a real sshd) joined them when the first lane became the longest.
const TRAINING_UNIT_FILES = ['src/engine/models/family-matrix.test.ts', 'src/engine/training/run-queue.test.ts', 'src/engine/models/adapter-pipeline.test.ts', 'src/engine/compute/ssh-training.test.ts'];
const lanes = [
  [stage('typecheck', 'npm', ['run', '--silent', 'typecheck']), stage('lint (eslint, ruff)', 'npm', ['run', '--silent', 'lint']),
    stage('e2e (chromium)', 'npm', ['run', '--silent', 'test:e2e'], { needs: ['tiny'] }),
    stage('unit (vitest)', 'npx', ['vitest', 'run', ...TRAINING_UNIT_FILES.flatMap((f) => ['--exclude', f])], { needs: ['tiny'] })],
  [stage('trainer (pytest)', process.execPath, ['scripts/run-pytest.mjs'], { needs: ['tiny'] }),
    stage('unit, training files (vitest)', 'npx', ['vitest', 'run', ...TRAINING_UNIT_FILES], { needs: ['tiny'] }),
    stage('bundle (offline install)', 'npx', ['vitest', 'run', '--config', 'tests/bundle/vitest.config.ts'], { needs: ['caches'] })],
];

// One torch thread per process: the lanes already keep both cores busy, and torch's threads spin while they wait,
// so two processes with two threads each on 2 cores ran several times slower (the tiny model's pre-training took
// 16 CPU minutes beside a compiler instead of 2.5). Tiny models gain nothing from a second thread. Set
// OMP_NUM_THREADS yourself to change it.
const STAGE_ENV = { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' };
const ANSI = /\u001b\[[0-9;]*m/g;
const FAILURE_LINE = /(^\s*(FAIL|FAILED)\b|^\s*\[why\]\s|\s❯\s(?!node_modules)\S+\.(ts|tsx|mjs|js):\d+:\d+|\s[×✗]\s|AssertionError|^\s*(Error|TypeError|ReferenceError):|error TS\d+|^\s*E\s{2,}|\d+:\d+\s+error\s)/;
const MAX_LINES_PER_STAGE = 40;
const HEARTBEAT_MS = 120_000;
const running = new Map(); // stage name → { started, last }

/** Named moments stages wait for ("tiny", "caches"): resolved by a line of a stage, or when that stage ends. */
const signals = new Map();
function signal(name) {
  if (!signals.has(name)) {
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    signals.set(name, { promise, resolve });
  }
  return signals.get(name);
}

function runStage({ name, cmd, args, signals: marks = {}, provides }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const state = { started, last: '' };
    running.set(name, state);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: STAGE_ENV });
    const failures = [];
    const output = [];
    let partial = '';
    const scan = (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(ANSI, '').trimEnd();
        if (line.trim()) state.last = line.trim();
        for (const [sig, re] of Object.entries(marks)) if (re.test(line)) signal(sig).resolve();
        if (FAILURE_LINE.test(line) && !failures.includes(line) && failures.length < MAX_LINES_PER_STAGE) failures.push(line);
      }
    };
    const take = (chunk) => { output.push(chunk); scan(chunk.toString()); };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const finish = (ok, extra = []) => {
      if (!running.has(name)) return; // 'error' and then 'close' for a command that could not start: report once
      running.delete(name);
      scan('\n');
      // Whatever waits on this stage goes on, passed or not: a stage that needs a missing cache fails on its own.
      for (const sig of [...Object.keys(marks), provides].filter(Boolean)) signal(sig).resolve();
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(`\n=== ${name} (${ok ? 'passed' : 'FAILED'}, ${seconds.toFixed(0)} s) ===\n`);
      process.stdout.write(Buffer.concat(output));
      resolve({ name, ok, failures: [...failures, ...extra], seconds });
    };
    child.on('close', (code) => finish(code === 0));
    child.on('error', (err) => finish(false, [`could not start ${cmd}: ${err.message}`]));
  });
}

const only = process.env.LATHE_TEST_ONLY?.split(',');
const wanted = (s) => !only || only.some((o) => s.name.startsWith(o));
const chosen = lanes.map((lane) => lane.filter(wanted));
// The caches run when asked for by name, or when a chosen stage needs them.
const cachesLane = wanted(CACHES) || chosen.flat().some((s) => s.needs.length) ? [CACHES] : [];
for (const s of chosen.flat()) for (const need of s.needs) if (!cachesLane.length) signal(need).resolve();

async function runLane(lane) {
  const results = [];
  for (const s of lane) {
    await Promise.all(s.needs.map((need) => signal(need).promise));
    results.push(await runStage(s));
  }
  return results;
}

const heartbeat = setInterval(() => {
  for (const [name, { started, last }] of running) {
    process.stdout.write(`[running] ${name}, ${((Date.now() - started) / 60_000).toFixed(0)} min: ${last.slice(0, 160)}\n`);
  }
}, HEARTBEAT_MS);

const started = Date.now();
const all = [cachesLane, ...chosen].filter((lane) => lane.length);
process.stdout.write(`\n>>> in parallel: ${all.map((lane) => lane.map((s) => s.name).join(' → ')).join('  |  ')}\n`);
const results = (await Promise.all(all.map(runLane))).flat();
clearInterval(heartbeat);

process.stdout.write(`\n=== summary (${((Date.now() - started) / 60_000).toFixed(1)} min in all) ===\n`);
for (const r of results) process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds.toFixed(0)} s)\n`);
for (const r of results.filter((x) => !x.ok)) {
  process.stdout.write(`\n--- what failed in ${r.name} ---\n`);
  process.stdout.write(r.failures.length ? `${r.failures.join('\n')}\n` : '(no failure line recognised; see the stage output above)\n');
}
const failed = results.filter((r) => !r.ok).length;
process.stdout.write(`stages: ${results.length - failed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
