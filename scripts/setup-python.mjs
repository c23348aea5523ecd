#!/usr/bin/env node
/**
 * Creates the trainer's Python environment (.venv) from resources/trainer/requirements.txt, from the package
 * index pip is configured with. Idempotent: a stamp holding the requirements' hash skips the work when nothing
 * changed. Runs from `npm install` (postinstall) and from .ci/run; LATHE_SKIP_PYTHON_SETUP=1 skips it. On a machine
 * with an NVIDIA GPU it also installs the GPU extra (requirements-gpu.txt; see gpu-extra.mjs).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gpuExtraDecision } from './gpu-extra.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venv = path.join(root, '.venv');
const requirements = path.join(root, 'resources', 'trainer', 'requirements.txt');
const stamp = path.join(venv, '.lathe-requirements.sha256');
const venvPython = process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');

function log(msg) {
  process.stdout.write(`[setup-python] ${msg}\n`);
}

function fail(msg, hint) {
  process.stderr.write(`[setup-python] ${msg}\n  → ${hint}\n`);
  process.exit(1);
}

if (process.env.LATHE_SKIP_PYTHON_SETUP === '1') {
  log('skipped (LATHE_SKIP_PYTHON_SETUP=1)');
  process.exit(0);
}
if (!fs.existsSync(requirements)) fail(`missing ${requirements}`, 'Restore resources/trainer from git.');

const gpuRequirements = path.join(root, 'resources', 'trainer', 'requirements-gpu.txt');
const gpuExtra = gpuExtraDecision();
const wanted = createHash('sha256').update(fs.readFileSync(requirements))
  .update(gpuExtra.install ? fs.readFileSync(gpuRequirements) : '').digest('hex');
if (fs.existsSync(venvPython) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === wanted) {
  log('Python environment is up to date (.venv)');
  process.exit(0);
}

/** Free space on the disk holding `dir`, in GiB, or null where the platform cannot say. */
function freeSpaceGiB(dir) {
  try {
    const st = fs.statfsSync(dir);
    return (st.bavail * st.bsize) / 2 ** 30;
  } catch {
    return null;
  }
}

function findBootstrapPython() {
  const candidates = [process.env.LATHE_BOOTSTRAP_PYTHON, 'python3.11', 'python3.12', 'python3', 'python'].filter(Boolean);
  for (const cmd of candidates) {
    const r = spawnSync(cmd, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    if (r.status !== 0) continue;
    const [major, minor] = r.stdout.trim().split('.').map(Number);
    if (major === 3 && minor >= 10) return cmd;
  }
  return null;
}

if (!fs.existsSync(venvPython)) {
  const bootstrap = findBootstrapPython();
  if (!bootstrap) fail('No Python 3.10+ found.', 'Install Python 3.11 (or set LATHE_BOOTSTRAP_PYTHON), then run `npm run setup:python`.');
  log(`creating .venv with ${bootstrap}`);
  const r = spawnSync(bootstrap, ['-m', 'venv', venv], { stdio: 'inherit' });
  if (r.status !== 0) fail('python -m venv failed.', 'On Debian/Ubuntu install python3-venv, then run `npm run setup:python`.');
}

const NEEDED_GIB = 9; // measured here: the venv is 5.6 GiB installed, plus ~3.5 GiB of downloaded wheels
const freeGiB = freeSpaceGiB(root);
if (freeGiB !== null && freeGiB < NEEDED_GIB) {
  log(`warning: only ${freeGiB.toFixed(1)} GiB free on this disk; the first install needs about ${NEEDED_GIB} GiB (less when pip's cache already holds the wheels).`);
}
log('installing torch, transformers, peft and friends (several GB the first time; pip caches them)…');
const started = Date.now();
const pip = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', requirements], {
  stdio: 'inherit',
  env: { ...process.env, PIP_PROGRESS_BAR: process.env.CI ? 'off' : 'on' },
});
if (pip.status !== 0) {
  const after = freeSpaceGiB(root);
  if (after !== null && after < 1) {
    fail('pip could not install the trainer requirements: the disk is full.', `Free at least ${NEEDED_GIB} GiB (old clones, ~/.cache/pip), then run \`npm run setup:python\`.`);
  }
  fail('pip could not install the trainer requirements.', 'Check that your package index is reachable (or a local wheelhouse is set in pip.conf), then run `npm run setup:python`.');
}
if (gpuExtra.install) {
  log(`installing the GPU extra (bitsandbytes for QLoRA, liger-kernel): ${gpuExtra.reason}`);
  const extra = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', gpuRequirements], { stdio: 'inherit' });
  if (extra.status !== 0) {
    // Not fatal: LoRA and full fine-tuning work without it; QLoRA then says what is missing.
    log('warning: the GPU extra could not be installed; QLoRA will be unavailable until `npm run setup:python` succeeds.');
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    process.exit(0);
  }
} else {
  log(`GPU extra not installed: ${gpuExtra.reason}`);
}
fs.writeFileSync(stamp, wanted + '\n');
log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
