#!/usr/bin/env node
/** Runs the trainer's pytest suite with the project's Python env. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = path.join(root, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
const r = spawnSync(python, ['-m', 'pytest', 'resources/trainer/tests', '-q', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PYTHONPATH: path.join(root, 'resources', 'trainer'), HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
});
if (r.error) {
  process.stderr.write(`Could not run ${python}: ${r.error.message}\n  → Run \`npm run setup:python\`.\n`);
  process.exit(1);
}
// pytest exits 5 when it collected nothing: that is a failure here, a suite that tests nothing proves nothing.
process.exit(r.status ?? 1);
