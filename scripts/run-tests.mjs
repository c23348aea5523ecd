#!/usr/bin/env node
/**
 * `npm test`: typecheck, lint (eslint with the process-boundary import rules; ruff on the trainer), engine unit tests
 * (vitest, real SQLite and llama.cpp), trainer tests (pytest, real torch on CPU), end-to-end tests in Chromium
 * against browser mode, then the offline bundle built, installed and run with no network (tests/bundle/). Every
 * stage runs; the exit code says whether all passed.
 *
 * CI has 2 cores and 90 minutes, and one vitest worker or one pytest process leaves a core mostly idle (each waits
 * on the trainer or llama.cpp processes it starts), so the stages run in two phases of parallel lanes:
 *   1. typecheck → lint, beside the shared caches (tiny model, llama tools) being built once;
 *   2. unit → e2e, beside trainer → bundle.
 * A lane's stages run in order. Each stage's output is printed whole when it ends (lanes do not interleave), and a
 * line every two minutes says what each running stage is doing. CI keeps only the tail of the output, so the
 * summary repeats, for each failed stage, the lines that name what failed (vitest's FAIL/×, pytest's FAILED, the
 * first assertion messages). LATHE_TEST_ONLY=unit,e2e runs only the stages whose names start so.
 */
import { spawn } from 'node:child_process';

const stage = (name, cmd, args) => ({ name, cmd, args });
const phases = [
  [
    [stage('typecheck', 'npm', ['run', '--silent', 'typecheck']), stage('lint (eslint, ruff)', 'npm', ['run', '--silent', 'lint'])],
    [stage('caches (tiny model, llama tools)', process.execPath, ['--import', 'tsx', 'scripts/prepare-test-caches.ts'])],
  ],
  [
    [stage('unit (vitest)', 'npx', ['vitest', 'run']), stage('e2e (chromium)', 'npm', ['run', '--silent', 'test:e2e'])],
    [stage('trainer (pytest)', process.execPath, ['scripts/run-pytest.mjs']),
      stage('bundle (offline install)', 'npx', ['vitest', 'run', '--config', 'tests/bundle/vitest.config.ts'])],
  ],
];

// One torch thread per process: the lanes already keep both cores busy, and torch's threads spin while they wait,
// so two processes with two threads each on 2 cores ran several times slower (the tiny model's pre-training took
// 16 CPU minutes beside a compiler instead of 2.5). Tiny models gain nothing from a second thread. Set
// OMP_NUM_THREADS yourself to change it.
const STAGE_ENV = { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '1' };
const ANSI = /\u001b\[[0-9;]*m/g;
const FAILURE_LINE = /(^\s*(FAIL|FAILED)\b|\s[×✗]\s|AssertionError|^\s*(Error|TypeError|ReferenceError):|error TS\d+|^\s*E\s{2,}|\d+:\d+\s+error\s)/;
const MAX_LINES_PER_STAGE = 40;
const HEARTBEAT_MS = 120_000;
const running = new Map(); // stage name → { started, last }

function runStage({ name, cmd, args }) {
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

async function runLane(lane) {
  const results = [];
  for (const s of lane.filter(wanted)) results.push(await runStage(s));
  return results;
}

const heartbeat = setInterval(() => {
  for (const [name, { started, last }] of running) {
    process.stdout.write(`[running] ${name}, ${((Date.now() - started) / 60_000).toFixed(0)} min: ${last.slice(0, 160)}\n`);
  }
}, HEARTBEAT_MS);

const started = Date.now();
const results = [];
for (const lanes of phases) {
  const names = lanes.map((lane) => lane.filter(wanted).map((s) => s.name).join(' → ')).filter(Boolean);
  if (names.length) process.stdout.write(`\n>>> in parallel: ${names.join('  |  ')}\n`);
  for (const laneResults of await Promise.all(lanes.map(runLane))) results.push(...laneResults);
}
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
