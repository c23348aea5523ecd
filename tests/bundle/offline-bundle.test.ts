import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_EXTRA_PARTS } from '../../forge.config';

/**
 * The offline bundle end to end, nothing mocked: build a CI-sized bundle (this machine's Python only, an
 * uncompressed tar), copy it to a fresh folder, and install and use it inside `unshare -n` — a network namespace
 * with no interface but loopback, down — with a PATH that has no cmake and no C or C++ compiler. strace (seccomp
 * filtered: cheap) records every connect() of every process; none may be AF_INET or AF_INET6.
 * LATHE_TEST_BUNDLE=path/to/lathe-*.tar reuses a bundle built earlier (local reruns).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-bundle-test-'));
const home = path.join(work, 'home');
const sealedBin = path.join(work, 'sealed-bin');
let bundle = '';
let pythonName = 'python3';

/** Commands install.sh and bin/lathe use, and nothing that compiles. */
const ALLOWED_COMMANDS = ['bash', 'sh', 'env', 'sha256sum', 'sed', 'awk', 'tr', 'sort', 'comm', 'find', 'du', 'df', 'cut', 'cmp', 'tar',
  'mkdir', 'rm', 'mv', 'ln', 'cat', 'dirname', 'basename', 'readlink', 'id', 'touch', 'head', 'tail', 'grep', 'uname', 'ls', 'printf'];

function localPython(): { bin: string; version: string } {
  const venv = path.join(root, '.venv', 'bin', 'python');
  const version = execFileSync(venv, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
  const bin = execFileSync('bash', ['-c', `command -v python${version}`], { encoding: 'utf8' }).trim();
  return { bin, version };
}

function makeSealedPath(python: string): void {
  fs.mkdirSync(sealedBin, { recursive: true });
  for (const name of ALLOWED_COMMANDS) {
    const found = spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found.startsWith('/')) fs.symlinkSync(found, path.join(sealedBin, name));
  }
  fs.symlinkSync(python, path.join(sealedBin, path.basename(python)));
  pythonName = path.basename(python);
}

interface Sealed { status: number | null; stdout: string; stderr: string; inetConnects: string[] }

/**
 * Runs a command with no network (unshare -n), the sealed PATH and a fresh HOME, under strace. Asynchronous, so
 * vitest's worker stays responsive through minutes-long installs.
 */
async function sealed(args: string[], label: string): Promise<Sealed> {
  const trace = path.join(work, `strace-${label}.log`);
  const unshare = process.getuid?.() === 0 ? ['unshare', '-n'] : ['unshare', '-rn'];
  const child = spawn(unshare[0]!, [...unshare.slice(1), 'strace', '-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect', '-o', trace,
    'env', '-i', `PATH=${sealedBin}`, `HOME=${home}`, 'LANG=C.UTF-8', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = fs.existsSync(trace) ? fs.readFileSync(trace, 'utf8').split('\n') : [];
  return { status, stdout, stderr, inetConnects: lines.filter((l) => /connect\(.*AF_INET6?\b/.test(l)) };
}

function install(prefix: string, from = bundle): Promise<Sealed> {
  return sealed(['bash', path.join(from, 'install.sh'), '--prefix', prefix, '--gpu-extra', 'no'], `install-${path.basename(prefix)}`);
}

beforeAll(async () => {
  const python = localPython();
  let archive = process.env.LATHE_TEST_BUNDLE ?? '';
  if (!archive) {
    const out = path.join(work, 'dist');
    const builder = spawn(process.execPath, ['--import', 'tsx', 'scripts/bundle/build-bundle.ts', '--python', python.version, '--no-compress', '--out', out],
      { cwd: root, stdio: 'inherit' });
    const status = await new Promise<number | null>((resolve) => builder.on('close', (code) => resolve(code)));
    expect(status, 'npm run bundle failed (output above)').toBe(0);
    archive = path.join(out, fs.readdirSync(out).find((f) => f.endsWith('.tar'))!);
    // The archive's own checksum file matches (what a site checks after carrying it across the gap).
    expect(await runAsync('sha256sum', ['-c', `${path.basename(archive)}.sha256`], out)).toBe(0);
  }
  const unpacked = path.join(work, 'copied');
  fs.mkdirSync(unpacked);
  expect(await runAsync('tar', ['-xf', archive, '-C', unpacked])).toBe(0);
  if (!process.env.LATHE_TEST_BUNDLE) fs.rmSync(path.dirname(archive), { recursive: true, force: true }); // disk
  bundle = path.join(unpacked, fs.readdirSync(unpacked)[0]!);
  fs.mkdirSync(home);
  makeSealedPath(python.bin);
}, 1_800_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe.sequential('the offline bundle', () => {
  it('holds every part the desktop installers package from it (forge.config.ts), the wheelhouse with both locks', () => {
    for (const part of BUNDLE_EXTRA_PARTS) expect(fs.statSync(path.join(bundle, part)).isDirectory(), part).toBe(true);
    for (const lock of ['requirements.lock', 'requirements-gpu.lock']) expect(fs.existsSync(path.join(bundle, 'wheelhouse', lock)), lock).toBe(true);
    expect(fs.readdirSync(path.join(bundle, 'wheelhouse')).some((f) => /^torch-.*\.whl$/.test(f))).toBe(true);
    // The desktop app's first start runs the same module install.sh runs, from the packaged trainer.
    expect(fs.existsSync(path.join(bundle, 'app', 'resources', 'trainer', 'lathe_trainer', 'env_setup.py'))).toBe(true);
  });

  it('has no compiler or cmake on the sealed PATH, and no network inside the namespace', async () => {
    const r = await sealed(['bash', '-c', `command -v cmake g++ gcc cc c++ make; ${pythonName} -c "import socket; socket.create_connection((\\"10.0.0.1\\", 80), 1)"; echo exit=$?`], 'probe');
    expect(r.stdout).toMatch(/^exit=\d+\s*$/m);
    expect(r.stdout).not.toMatch(/cmake|g\+\+|gcc|\bcc\b|make/);
    expect(r.stderr).toMatch(/Network is unreachable|No route/);
    expect(r.inetConnects.length).toBe(1); // the probe's own attempt: strace does see INET connects
  });

  it('refuses a changed, a missing and an added file before installing anything, and names each', async () => {
    const prefix = path.join(work, 'refused');
    const wheel = path.join(bundle, 'wheelhouse', fs.readdirSync(path.join(bundle, 'wheelhouse')).find((f) => f.startsWith('mdurl-'))!);
    const native = path.join(bundle, 'app', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const damages = [
      ['changed wheel', () => fs.appendFileSync(wheel, 'x'), () => fs.truncateSync(wheel, fs.statSync(wheel).size - 1), `./wheelhouse/${path.basename(wheel)}`],
      ['changed native module', () => flipByte(native, 4096), () => flipByte(native, 4096), './app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'],
      ['missing file', () => fs.renameSync(path.join(bundle, 'bin', 'lathe'), path.join(work, 'lathe.moved')), () => fs.renameSync(path.join(work, 'lathe.moved'), path.join(bundle, 'bin', 'lathe')), './bin/lathe'],
      ['added file', () => fs.writeFileSync(path.join(bundle, 'app', 'node_modules', 'planted.js'), 'process.exit(0)'), () => fs.rmSync(path.join(bundle, 'app', 'node_modules', 'planted.js')), './app/node_modules/planted.js'],
    ] as const;
    // install.sh names every changed and missing file in one pass over SHA256SUMS (each pass reads the whole ~4 GB
    // bundle), and looks for added files only once those pass: two installs, not four.
    for (const round of [damages.slice(0, 3), damages.slice(3)]) {
      for (const [, damage] of round) damage();
      try {
        const r = await install(prefix);
        for (const [label, , , named] of round) {
          expect(r.status, label).not.toBe(0);
          expect(r.stderr, label).toContain(named);
          expect(r.stderr, label).toMatch(/nothing was installed/);
          expect(fs.existsSync(path.join(prefix, 'versions')), label).toBe(false);
        }
      } finally {
        for (const [, , repair] of round) repair();
      }
    }
  }, 300_000);

  it('refuses a wheel the lock file has no hash for, even when SHA256SUMS was rewritten to match it', async () => {
    const prefix = path.join(work, 'lock-refused');
    const sums = path.join(bundle, 'SHA256SUMS');
    const original = fs.readFileSync(sums, 'utf8');
    const name = fs.readdirSync(path.join(bundle, 'wheelhouse')).find((f) => f.startsWith('mdurl-'))!;
    const wheel = path.join(bundle, 'wheelhouse', name);
    fs.appendFileSync(wheel, 'x');
    const newHash = execFileSync('sha256sum', [wheel], { encoding: 'utf8' }).split(' ')[0];
    fs.writeFileSync(sums, original.replace(new RegExp(`^[0-9a-f]{64}(  \\./wheelhouse/${name.replace(/\./g, '\\.')})$`, 'm'), `${newHash}$1`));
    try {
      const r = await install(prefix);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/DO NOT MATCH THE HASHES/);
      expect(r.stderr).toContain('mdurl');
      expect(fs.existsSync(path.join(prefix, 'bin', 'lathe'))).toBe(false);
      expect(r.inetConnects).toEqual([]);
    } finally {
      fs.truncateSync(wheel, fs.statSync(wheel).size - 1);
      fs.writeFileSync(sums, original);
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  }, 600_000);

  describe.sequential('installed with no network and no compiler', () => {
    const prefix = path.join(work, 'prefix');
    const data = path.join(work, 'data');
    const lathe = path.join(prefix, 'bin', 'lathe');

    it('installs, and a second run checks instead of reinstalling', async () => {
      const first = await install(prefix);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/installed Lathe [\d.]+ in /);
      expect(first.inetConnects).toEqual([]);
      const again = await install(prefix);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/already installed .*checking it/);
      expect(again.stdout).toMatch(/environment is up to date/);
    }, 900_000);

    // The demo (the README's `npm run demo`, the same code compiled) is checked whole here, once: CI cannot afford
    // to fine-tune it twice, and this is the build a site installs.
    it('runs the demo: imports, splits, fine-tunes on CPU, beats the base on held-out loss and exact match, answers through llama.cpp, leaves a verified audit trail', async () => {
      const r = await sealed([lathe, 'demo', '--data-dir', data], 'demo');
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.inetConnects).toEqual([]);
      expectDemoDone(r.stdout, data);
      const verify = await sealed([lathe, 'audit', 'verify', '--data-dir', data], 'audit');
      expect(verify.status, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/Audit log intact/);
    }, 900_000);

    it('exports the tuned model as Q4_K_M GGUF with the bundled llama-quantize (no compiler on the machine)', async () => {
      const models = await sealed([lathe, 'models', 'list', '--json', '--data-dir', data], 'models');
      expect(models.status, models.stderr).toBe(0);
      // The PEFT adapter the demo trained (the demo also registers its GGUF LoRA, which is not an export source).
      const adapter = (JSON.parse(models.stdout) as Array<{ id: string; kind: string }>).find((m) => m.kind === 'adapter');
      expect(adapter, models.stdout).toBeDefined();
      const id = adapter!.id;
      const r = await sealed([lathe, 'export', id, '--formats', 'gguf-q4_k_m', '--data-dir', data], 'export');
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Q4_K_M\.gguf/i);
      expect(r.stdout + r.stderr).not.toMatch(/Building llama-quantize/);
      expect(r.inetConnects).toEqual([]);
    }, 900_000);

    it('lathe serve serves the built interface from the installed bundle, and its process connects nowhere', async () => {
      // Not in the namespace (its loopback is down, and a browser must reach the server); still traced.
      const trace = path.join(work, 'strace-serve.log');
      const child = spawn('strace', ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect', '-o', trace,
        'env', '-i', `PATH=${sealedBin}`, `HOME=${home}`, lathe, 'serve', '--port', '0', '--data-dir', data], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      try {
        let out = '';
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no URL from lathe serve: ${out}`)), 60_000);
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString('utf8');
            const m = /Open: (\S+)/.exec(out);
            if (m) { clearTimeout(timer); resolve(m[1]!); }
          });
        });
        const page = await fetch(url);
        expect(page.status).toBe(200);
        expect(await page.text()).toMatch(/<title>Lathe/);
      } finally {
        process.kill(-child.pid!, 'SIGINT'); // the whole group: strace alone would detach and leave the server running
        await new Promise((resolve) => child.on('close', resolve));
      }
      const connects = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => /connect\(.*AF_INET6?\b/.test(l));
      expect(connects).toEqual([]);
    }, 120_000);

    it('lathe doctor reports the bundle version, its SBOM, the prebuilt llama tools and the GPU extra', async () => {
      const r = await sealed([lathe, 'doctor', '--json', '--data-dir', data], 'doctor');
      const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; value: string }> };
      const check = (id: string) => report.checks.find((c) => c.id === id);
      expect(check('bundle')).toMatchObject({ status: 'ok', value: expect.stringMatching(/^Lathe [\d.]+ built /) });
      expect(check('sbom')).toMatchObject({ status: 'ok', value: expect.stringContaining('npm.cdx.json') });
      expect(check('llama-tools')).toMatchObject({ status: 'ok', value: expect.stringContaining('prebuilt') });
      expect(check('gpu-extra')?.value).toMatch(/in the wheelhouse: bitsandbytes, liger-kernel/);
      expect(check('python')).toMatchObject({ status: 'ok' });
      expect(r.inetConnects).toEqual([]);
    }, 300_000);
  });
});

/** What `lathe demo` must leave: a measurably better adapter, base and tuned ready in the Playground, an audit trail. */
function expectDemoDone(stdout: string, dataDir: string): void {
  expect(stdout).toMatch(/6\/6 Asking the base model/);
  const em = /exact match\s+(\d+)\/(\d+) → (\d+)\/(\d+) on held-out test questions/.exec(stdout);
  expect(em, stdout).not.toBeNull();
  const [base, n, tuned] = [Number(em![1]), Number(em![2]), Number(em![3])];
  expect(n).toBeGreaterThanOrEqual(20);
  // Measurably better: the base model answers none of the held-out questions exactly; the adapter a fair share.
  expect(tuned).toBeGreaterThanOrEqual(base + Math.ceil(n / 5));
  expect(stdout).toMatch(/run\s+[0-9a-f-]{36}/);
  expect(stdout).toMatch(/adapter\s+\S+adapter/);
  const m = /val loss\s+([\d.]+) → ([\d.]+)/.exec(stdout);
  expect(m, stdout).not.toBeNull();
  expect(Number(m![2])).toBeLessThan(Number(m![1]));
  const db = new Database(path.join(dataDir, 'lathe.db'), { readonly: true });
  try {
    const actions = (db.prepare('SELECT action FROM audit_log ORDER BY seq').all() as Array<{ action: string }>).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['dataset.import', 'dataset.curate.split', 'run.start', 'run.completed', 'run.evaluate']));
    // The Playground has base and tuned ready: the base GGUF and the adapter as a GGUF LoRA, named for people.
    const models = db.prepare('SELECT id, name, kind, parent_id AS parentId FROM models').all() as Array<{ id: string; name: string; kind: string; parentId: string | null }>;
    const byKind = (kind: string) => models.filter((x) => x.kind === kind);
    expect(byKind('base').map((x) => x.name)).toEqual(['Northwind tiny Llama']);
    expect(byKind('gguf').map((x) => [x.name, x.parentId])).toEqual([['Northwind tiny Llama · F16', byKind('base')[0]!.id]]);
    expect(byKind('adapter').map((x) => [x.name, x.parentId])).toEqual([['Northwind demo LoRA', byKind('base')[0]!.id]]);
    expect(byKind('gguf-lora').map((x) => x.parentId)).toEqual([byKind('adapter')[0]!.id]);
  } finally {
    db.close();
  }
  expect(stdout).toMatch(/ready: Northwind tiny Llama · F16 \+ Northwind demo LoRA · F16/);
}

function runAsync(cmd: string, args: string[], cwd?: string): Promise<number | null> {
  const child = spawn(cmd, args, { cwd, stdio: 'inherit' });
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

function flipByte(file: string, offset: number): void {
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, offset);
  b[0] = b[0]! ^ 0xff;
  fs.writeSync(fd, b, 0, 1, offset);
  fs.closeSync(fd);
}
