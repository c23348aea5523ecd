// Electron Forge: how Lathe is built (Vite), hardened (fuses) and packaged (asar + installers).
// The Python trainer and the sample data ship OUTSIDE the asar as extra resources, so Python can read them.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerDMG } from '@electron-forge/maker-dmg';
import { MakerRpm } from '@electron-forge/maker-rpm';
import { MakerSquirrel } from '@electron-forge/maker-squirrel';
import { MakerZIP } from '@electron-forge/maker-zip';
import { AutoUnpackNativesPlugin } from '@electron-forge/plugin-auto-unpack-natives';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

import { nativeModules } from './vite.host.config';

const projectDir = path.dirname(fileURLToPath(import.meta.url));

/** Built host entries: the names main.ts forks (engine-host.js, inference-host.js). */
export const hostEntries = {
  'engine-host': 'src/engine/host/utility-entry.ts',
  'inference-host': 'src/inference/host/utility-entry.ts',
} as const;

/**
 * The offline bundle's prebuilt parts, taken from an unpacked bundle (`npm run bundle -- --keep-stage` leaves
 * dist/lathe-<version>-<platform>/): llama-quantize/llama-bench and llama.cpp's converters, so an installed desktop
 * app needs no compiler for K-quants either, and the hash-pinned Python wheelhouse (torch, transformers, peft and the
 * GPU extra), from which the app makes <data>/python-env offline on its first start (src/engine/training/
 * python-env-setup.ts runs lathe_trainer.env_setup, the code the bundle's install.sh runs). Electron main points the
 * hosts at them (LATHE_LLAMA_TOOLS_DIR, LATHE_LLAMA_CPP_BUNDLE, LATHE_WHEELHOUSE) when they are there. Absent when no
 * bundle was built: the app then builds the tools once and needs LATHE_PYTHON (or a project .venv) for training.
 */
export const BUNDLE_EXTRA_PARTS = ['llama-tools', 'llama.cpp', 'wheelhouse'] as const;
export function bundleExtras(dir = projectDir): string[] {
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const stage = path.join(dir, 'dist', `lathe-${version}-linux-x64`);
  return process.platform === 'linux' ? BUNDLE_EXTRA_PARTS.map((p) => path.join(stage, p)).filter((p) => existsSync(p)) : [];
}

/** Folders copied beside the asar into the app's resources folder (process.resourcesPath). */
export const extraResources = ['resources/trainer', 'resources/samples', ...bundleExtras()];

/** Set only when an icon exists, so packaging works before the icons are added. */
const iconBase = path.join(projectDir, 'resources', 'icons', 'icon');
const icon = ['.png', '.icns', '.ico'].some((ext) => existsSync(iconBase + ext)) ? iconBase : undefined;

// ---- what goes into the asar -------------------------------------------------------------------------------
// Forge's Vite plugin would package only .vite/. The hosts keep native modules external, so those packages
// and everything they need at run time must ship in node_modules too.

interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return null; // an optional dependency for another platform is simply not installed
  }
}

/** Node's lookup: the nearest node_modules/<name> walking up from `fromDir`, but not above the project. */
function resolvePackageDir(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === projectDir || dir === path.dirname(dir)) return null;
  }
}

// node-llama-cpp's prebuilt binaries are per platform/arch packages; ship only the ones for this build machine.
const llamaPlatform = ({ darwin: 'mac', win32: 'win' } as Record<string, string>)[process.platform] ?? process.platform;
const llamaArch = ({ arm: 'armv7l' } as Record<string, string>)[process.arch] ?? process.arch;
function wantedOnThisPlatform(name: string): boolean {
  return !name.startsWith('@node-llama-cpp/') || name.startsWith(`@node-llama-cpp/${llamaPlatform}-${llamaArch}`);
}

/** Top-level node_modules entries (e.g. `chalk`, `@node-llama-cpp/linux-x64`) that `roots` need at run time. */
export function runtimePackages(roots: readonly string[]): Set<string> {
  const topLevel = path.join(projectDir, 'node_modules');
  const keep = new Set<string>();
  const seen = new Set<string>();
  const queue = roots.flatMap((name) => resolvePackageDir(name, projectDir) ?? []);
  for (let dir = queue.pop(); dir !== undefined; dir = queue.pop()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = readManifest(dir);
    if (!manifest) continue;
    const relative = path.relative(topLevel, dir).split(path.sep).join('/');
    if (!relative.includes('node_modules')) keep.add(relative); // nested copies ride along with their parent
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      if (!wantedOnThisPlatform(dep)) continue;
      const resolved = resolvePackageDir(dep, dir);
      if (resolved) queue.push(resolved);
    }
  }
  return keep;
}

/** Packager `ignore`: keep package.json, the Vite output and the runtime closure of the native modules. */
export function packagedPathFilter(keep: ReadonlySet<string>): (file: string) => boolean {
  const scopes = new Set([...keep].filter((name) => name.startsWith('@')).map((name) => name.split('/')[0]));
  return (file) => {
    if (!file) return false;
    const p = file.replace(/\\/g, '/');
    if (p === '/package.json' || p === '/.vite' || p.startsWith('/.vite/') || p === '/node_modules') return false;
    const scope = /^\/node_modules\/(@[^/]+)$/.exec(p);
    if (scope) return !scopes.has(scope[1]);
    const pkg = /^\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p);
    return !(pkg && keep.has(pkg[1] ?? ''));
  };
}

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Lathe',
    executableName: 'lathe',
    appBundleId: 'dev.lathe.app',
    appCategoryType: 'public.app-category.developer-tools',
    ...(icon ? { icon } : {}),
    asar: {
      // *.node files are added by AutoUnpackNativesPlugin; node-llama-cpp also needs the shared libraries
      // (libllama, libggml-*) that sit beside its addon.
      unpack: '{**/node_modules/@node-llama-cpp/**,**/node_modules/node-llama-cpp/bins/**}',
    },
    extraResource: extraResources,
    ignore: packagedPathFilter(runtimePackages(nativeModules)),
  },
  // Only better-sqlite3 is compiled against Node's ABI; node-llama-cpp ships N-API prebuilt binaries.
  rebuildConfig: {
    onlyModules: ['better-sqlite3'],
  },
  makers: [
    new MakerZIP({}, ['darwin', 'linux']),
    new MakerDeb({ options: { name: 'lathe', productName: 'Lathe', bin: 'lathe', categories: ['Development'] } }),
    new MakerRpm({ options: { name: 'lathe', productName: 'Lathe', bin: 'lathe', categories: ['Development'] } }),
    new MakerSquirrel({ name: 'lathe', ...(icon ? { setupIcon: `${icon}.ico` } : {}) }),
    new MakerDMG({ format: 'ULFO' }, ['darwin']),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'electron/main.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'electron/preload.ts', config: 'vite.preload.config.ts', target: 'preload' },
        { entry: { 'engine-host': hostEntries['engine-host'] }, config: 'vite.host.config.ts', target: 'main' },
        { entry: { 'inference-host': hostEntries['inference-host'] }, config: 'vite.host.config.ts', target: 'main' },
      ],
      renderer: [{ name: 'main_window', config: 'vite.renderer.config.ts' }],
    }),
    new AutoUnpackNativesPlugin({}),
    // Fuses are flipped in the Electron binary at package time, before signing.
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      // file:// pages get no extra powers (the UI is served from lathe://app/, see electron/app-protocol.ts).
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    }),
  ],
};

export default config;
