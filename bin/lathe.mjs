#!/usr/bin/env node
// `lathe` from a checkout: `npm link` (or `npm install -g .`) puts it on PATH, `npx lathe …` runs it in the checkout.
// It runs the TypeScript CLI under tsx from wherever it is called; the offline bundle ships its own bin/lathe.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fs.realpathSync(fileURLToPath(import.meta.url))));
const loader = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
if (!fs.existsSync(loader)) {
  process.stderr.write(`lathe: this checkout has no node_modules (${root}).\n  → Run \`npm install\` in ${root} first.\n`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', pathToFileURL(loader).href, path.join(root, 'src', 'cli', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl+C reaches the child through the terminal; a signal sent to this process alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
