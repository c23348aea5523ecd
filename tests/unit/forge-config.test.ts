/**
 * Static checks of the Electron packaging and wiring. The Electron binary cannot be downloaded here, so nothing
 * is launched: these tests load forge.config.ts (as Forge does) and read the electron/ sources.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ForgeConfig } from '@electron-forge/shared-types';
import { FuseV1Options } from '@electron/fuses';
import type { ConfigEnv, UserConfig } from 'vite';
import { describe, expect, it } from 'vitest';

import config, { bundleExtras, extraResources, hostEntries, packagedPathFilter, runtimePackages } from '../../forge.config';
import hostViteConfig from '../../vite.host.config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const electronDir = path.join(root, 'electron');

interface VitePluginConfig {
  build: { entry: unknown; config: string; target?: 'main' | 'preload' }[];
  renderer: { name: string; config: string }[];
}
interface NamedPlugin {
  name: string;
}
const plugins = (config.plugins ?? []) as unknown as NamedPlugin[];
const pluginNamed = <T>(name: string): T => {
  const found = plugins.find((p) => p.name === name);
  if (!found) throw new Error(`no ${name} plugin in forge.config.ts`);
  return found as T;
};
const viteConfig = pluginNamed<{ config: VitePluginConfig }>('vite').config;
const fuses = pluginNamed<{ fusesConfig: Record<string | number, unknown> }>('fuses').fusesConfig;

function source(file: string): string {
  return readFileSync(path.join(electronDir, file), 'utf8');
}
function allElectronSources(): Map<string, string> {
  const files = readdirSync(electronDir).filter((f) => f.endsWith('.ts'));
  return new Map(files.map((f) => [f, source(f)]));
}

describe('forge config (static, Electron binary not available)', () => {
  it('flips the security fuses', () => {
    expect(fuses[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuses[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });

  it('posts the engine port to the page\'s own origin only', () => {
    const preload = readFileSync(path.join(electronDir, 'preload.ts'), 'utf8');
    const posts = [...preload.matchAll(/window\.postMessage\(([^)]*)\)/g)].map((m) => m[1]!);
    expect(posts.length).toBeGreaterThan(0);
    for (const args of posts) expect(args.split(',')[1]?.trim()).toBe("'/'");
  });

  it('ships the trainer and samples outside the asar', () => {
    const packager = config.packagerConfig as NonNullable<ForgeConfig['packagerConfig']>;
    expect(packager.asar).toBeTruthy();
    expect(packager.extraResource).toEqual(expect.arrayContaining(['resources/trainer', 'resources/samples']));
    expect(extraResources).toContain('resources/trainer');
    const ignore = packager.ignore as (file: string) => boolean;
    expect(ignore('/resources/trainer/lathe_trainer/__main__.py')).toBe(true);
  });

  it('packages an offline bundle\'s prebuilt llama tools and converters when one was built, and nothing when not', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lathe-forge-'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.2.3' }));
    expect(bundleExtras(dir)).toEqual([]);
    for (const part of ['llama-tools', 'llama.cpp', 'wheelhouse']) mkdirSync(path.join(dir, 'dist', 'lathe-1.2.3-linux-x64', part), { recursive: true });
    expect(bundleExtras(dir)).toEqual(process.platform === 'linux'
      ? ['llama-tools', 'llama.cpp', 'wheelhouse'].map((part) => path.join(dir, 'dist', 'lathe-1.2.3-linux-x64', part)) : []);
    const main = readFileSync(path.join(electronDir, 'main.ts'), 'utf8');
    expect(main).toMatch(/LATHE_LLAMA_TOOLS_DIR: path\.join\(process\.resourcesPath, 'llama-tools'\)/);
    expect(main).toMatch(/LATHE_LLAMA_CPP_BUNDLE: path\.join\(process\.resourcesPath, 'llama\.cpp'\)/);
    expect(main).toMatch(/LATHE_WHEELHOUSE: path\.join\(process\.resourcesPath, 'wheelhouse'\)/);
  });

  it('packs the Vite output and the native modules, and nothing else from the repo', () => {
    const keep = runtimePackages(['better-sqlite3', 'node-llama-cpp']);
    expect(keep.has('better-sqlite3')).toBe(true);
    expect(keep.has('node-llama-cpp')).toBe(true);
    expect(keep.has('react')).toBe(false);
    const ignore = packagedPathFilter(keep);
    expect(ignore('/package.json')).toBe(false);
    expect(ignore('/.vite/build/main.js')).toBe(false);
    expect(ignore('/node_modules/better-sqlite3/build/Release/better_sqlite3.node')).toBe(false);
    expect(ignore('/node_modules/react/index.js')).toBe(true);
    expect(ignore('/src/engine/engine.ts')).toBe(true);
    expect(ignore('/electron/main.ts')).toBe(true);
    expect(ignore('/.venv/bin/python')).toBe(true);
  });

  it('has zip, deb, rpm, squirrel and dmg makers', () => {
    const names = (config.makers ?? []).map((m) => (m as unknown as NamedPlugin).name);
    expect(names).toEqual(expect.arrayContaining(['zip', 'deb', 'rpm', 'squirrel', 'dmg']));
  });

  it('builds main, preload, both host entries and the main_window renderer', () => {
    const builds = viteConfig.build.map((b) => ({ entry: b.entry, config: b.config, target: b.target ?? 'main' }));
    expect(builds).toEqual(
      expect.arrayContaining([
        { entry: 'electron/main.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'electron/preload.ts', config: 'vite.preload.config.ts', target: 'preload' },
        { entry: { 'engine-host': 'src/engine/host/utility-entry.ts' }, config: 'vite.host.config.ts', target: 'main' },
        { entry: { 'inference-host': 'src/inference/host/utility-entry.ts' }, config: 'vite.host.config.ts', target: 'main' },
      ]),
    );
    expect(hostEntries['engine-host']).toBe('src/engine/host/utility-entry.ts');
    expect(viteConfig.renderer).toEqual([{ name: 'main_window', config: 'vite.renderer.config.ts' }]);
    expect(readFileSync(path.join(root, 'vite.renderer.config.ts'), 'utf8')).toContain("'renderer', 'vite.config.ts'");
  });

  it('keeps native modules external in the host builds, as ES modules named after the entry', async () => {
    const make = hostViteConfig as unknown as (env: ConfigEnv) => UserConfig;
    const env = {
      command: 'build',
      mode: 'production',
      forgeConfigSelf: { entry: { 'engine-host': 'src/engine/host/utility-entry.ts' }, config: 'vite.host.config.ts' },
    } as unknown as ConfigEnv;
    const built = await make(env);
    const external = built.build?.rollupOptions?.external as (string | RegExp)[];
    expect(external).toEqual(expect.arrayContaining(['better-sqlite3', 'node-llama-cpp']));
    const lib = built.build?.lib;
    expect(lib && lib.formats).toEqual(['es']);
  });
});

describe('electron sources (static, Electron binary not available)', () => {
  it('isolates the renderer: contextIsolation, sandbox, no Node integration, web security on', () => {
    const window = source('window.ts');
    expect(window).toMatch(/contextIsolation:\s*true/);
    expect(window).toMatch(/sandbox:\s*true/);
    expect(window).toMatch(/nodeIntegration:\s*false/);
    expect(window).toMatch(/webSecurity:\s*true/);
    expect(window).toMatch(/webviewTag:\s*false/);
    for (const [file, text] of allElectronSources()) {
      expect(text, file).not.toMatch(/contextIsolation:\s*false|sandbox:\s*false|nodeIntegration:\s*true|webSecurity:\s*false/);
      expect(text, file).not.toMatch(/allowRunningInsecureContent:\s*true/);
    }
  });

  it('denies new windows, foreign navigation, webviews and permissions', () => {
    const security = source('security.ts');
    expect(security).toMatch(/setWindowOpenHandler\([^]*?return \{ action: 'deny' \}/);
    expect([...allElectronSources().values()].join('\n')).not.toMatch(/action:\s*'allow'/);
    expect(security).toMatch(/'will-navigate'/);
    expect(security).toMatch(/'will-redirect'/);
    expect(security).toMatch(/'will-attach-webview',\s*\(event\)\s*=>\s*\{\s*event\.preventDefault\(\)/);
    expect(security).toMatch(/setPermissionRequestHandler\([^]*?callback\(false\)/);
    expect(security).toMatch(/setPermissionCheckHandler\(\(\) => false\)/);
    expect(security).toMatch(/app\.enableSandbox\(\)/);
    expect(source('main.ts')).toMatch(/requestSingleInstanceLock\(\)/);
  });

  it('sets a strict CSP', () => {
    const security = source('security.ts');
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "connect-src 'self'",
    ]) {
      expect(security).toContain(`"${directive}"`);
    }
    expect(security).toMatch(/onHeadersReceived/);
    // 'unsafe-inline' exists only in the dev-server variant.
    const strict = /const STRICT_CSP = \[([^]*?)\]\.join/.exec(security)?.[1] ?? '';
    expect(strict).not.toContain('unsafe');
  });

  it('preload exposes exactly one bridge and nothing powerful', () => {
    const preload = source('preload.ts');
    const code = preload.replace(/^\s*\/\/.*$/gm, '');
    expect(code.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    // Three plain values: the platform, the version, and how the page reaches the engine (a string from main's argv).
    expect(code).toMatch(/exposeInMainWorld\('latheBridge', \{ platform: 'electron', version: __LATHE_VERSION__, link \}\)/);
    expect(code).toMatch(/const link = process\.argv\.includes\('--lathe-link=server'\) \? 'server' : 'port';/);
    expect(code).not.toMatch(/from 'node:|require\(|\bshell\b|\bfs\b|child_process/);
    const exposed = /exposeInMainWorld\(([^]*?)\);/.exec(code)?.[1] ?? '';
    expect(exposed).not.toMatch(/ipcRenderer/);
  });

  it('keeps native modules out of the main process', () => {
    for (const [file, text] of allElectronSources()) {
      expect(text, file).not.toMatch(/from '(better-sqlite3|node-llama-cpp)'|import\('(better-sqlite3|node-llama-cpp)'\)/);
    }
  });
});
