#!/usr/bin/env node
/**
 * `npm test`: typecheck, lint (eslint with the process-boundary import rules; ruff on the trainer), engine unit tests (vitest, real SQLite and llama.cpp), trainer tests (pytest, real
 * torch on CPU), end-to-end tests in Chromium against browser mode, then the offline bundle built, installed and
 * run with no network (tests/bundle/). Every stage runs; the exit code
 * says whether all passed.
 */
import { spawnSync } from 'node:child_process';

const stages = [
  ['typecheck', 'npm', ['run', '--silent', 'typecheck']],
  ['lint (eslint, ruff)', 'npm', ['run', '--silent', 'lint']],
  ['unit (vitest)', 'npx', ['vitest', 'run']],
  ['trainer (pytest)', 'node', ['scripts/run-pytest.mjs']],
  ['e2e (chromium)', 'npm', ['run', '--silent', 'test:e2e']],
  ['bundle (offline install)', 'npx', ['vitest', 'run', '--config', 'tests/bundle/vitest.config.ts']],
];
const only = process.env.LATHE_TEST_ONLY?.split(',');
const results = [];
for (const [name, cmd, args] of stages) {
  if (only && !only.some((o) => name.startsWith(o))) continue;
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  results.push({ name, ok: r.status === 0, seconds: (Date.now() - started) / 1000 });
}
process.stdout.write('\n=== summary ===\n');
for (const r of results) process.stdout.write(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds.toFixed(0)} s)\n`);
const failed = results.filter((r) => !r.ok).length;
process.stdout.write(`stages: ${results.length - failed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
