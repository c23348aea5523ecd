#!/usr/bin/env node
/**
 * `npm test`: typecheck, lint (eslint with the process-boundary import rules; ruff on the trainer), engine unit tests (vitest, real SQLite and llama.cpp), trainer tests (pytest, real
 * torch on CPU), end-to-end tests in Chromium against browser mode, then the offline bundle built, installed and
 * run with no network (tests/bundle/). Every stage runs; the exit code says whether all passed.
 *
 * CI keeps only the tail of the output, so the summary repeats, for each failed stage, the lines that name what
 * failed (vitest's FAIL/×, pytest's FAILED, the first assertion messages).
 */
import { spawn } from 'node:child_process';

const stages = [
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['lint (eslint, ruff)', 'npm', ['run', '--silent', 'lint']],
  ['unit (vitest)', 'npx', ['vitest', 'run']],
  ['trainer (pytest)', 'node', ['scripts/run-pytest.mjs']],
  ['e2e (chromium)', 'npm', ['run', '--silent', 'test:e2e']],
  ['bundle (offline install)', 'npx', ['vitest', 'run', '--config', 'tests/bundle/vitest.config.ts']],
];

const ANSI = /\u001b\[[0-9;]*m/g;
const FAILURE_LINE = /(^\s*(FAIL|FAILED)\b|\s[×✗]\s|AssertionError|^\s*(Error|TypeError|ReferenceError):|error TS\d+|^\s*E\s{2,}|\d+:\d+\s+error\s)/;
const MAX_LINES_PER_STAGE = 40;

function runStage(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    const failures = [];
    let partial = '';
    const scan = (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(ANSI, '').trimEnd();
        if (FAILURE_LINE.test(line) && !failures.includes(line) && failures.length < MAX_LINES_PER_STAGE) failures.push(line);
      }
    };
    child.stdout.on('data', (chunk) => { process.stdout.write(chunk); scan(chunk.toString()); });
    child.stderr.on('data', (chunk) => { process.stderr.write(chunk); scan(chunk.toString()); });
    child.on('close', (code) => { scan('\n'); resolve({ ok: code === 0, failures }); });
    child.on('error', (err) => resolve({ ok: false, failures: [`could not start ${cmd}: ${err.message}`] }));
  });
}

const only = process.env.LATHE_TEST_ONLY?.split(',');
const results = [];
for (const [name, cmd, args] of stages) {
  if (only && !only.some((o) => name.startsWith(o))) continue;
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  const { ok, failures } = await runStage(cmd, args);
  results.push({ name, ok, failures, seconds: (Date.now() - started) / 1000 });
}
process.stdout.write('\n=== summary ===\n');
for (const r of results) process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds.toFixed(0)} s)\n`);
for (const r of results.filter((x) => !x.ok)) {
  process.stdout.write(`\n--- what failed in ${r.name} ---\n`);
  process.stdout.write(r.failures.length ? `${r.failures.join('\n')}\n` : '(no failure line recognised; see the stage output above)\n');
}
const failed = results.filter((r) => !r.ok).length;
process.stdout.write(`stages: ${results.length - failed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
