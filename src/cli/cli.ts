/**
 * The `lathe` command table and dispatch, apart from the process entry (main.ts) so tests can walk every command.
 */
import { auditCommand } from './commands/audit.js';
import { chatCommand } from './commands/chat.js';
import { demoCommand } from './commands/demo.js';
import { devCommand } from './commands/dev.js';
import { doctorCommand } from './commands/doctor.js';
import { importCommand } from './commands/import.js';
import { datasetCommand } from './commands/dataset.js';
import { serveCommand } from './commands/serve.js';
import { trainCommand } from './commands/train.js';
import { modelsCommand } from './commands/models.js';
import { exportCommand } from './commands/export.js';
import { evalCommand } from './commands/eval.js';
import { generateCommand } from './commands/generate.js';
import { reportCommand } from './commands/report.js';
import { runsCommand } from './commands/runs.js';
import { usersCommand } from './commands/users.js';
import { targetsCommand } from './commands/targets.js';
import { HelpRequested } from './args.js';

export const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; about: string }> = {
  demo: { run: demoCommand, about: 'build the tiny model from the bundled sample and chat with it' },
  chat: { run: chatCommand, about: 'chat with a registered GGUF model (or a .gguf file) in the terminal' },
  serve: { run: serveCommand, about: 'run the engine with the interface in your browser (127.0.0.1, token; --team: sign-in, roles)' },
  import: { run: importCommand, about: 'import task data (JSONL, JSON, CSV, TSV) into a dataset version' },
  dataset: { run: datasetCommand, about: 'export a version (JSONL + manifest), stats, filters, data recipes' },
  train: { run: trainCommand, about: 'fine-tune a base model on a dataset version (LoRA/QLoRA/full, SFT or CPT)' },
  targets: { run: targetsCommand, about: 'compute targets: add a GPU server (ssh://user@host), list, test (installs the trainer there), remove' },
  runs: { run: runsCommand, about: 'training runs: list, show, stop (also one the app trains), cancel a queued one, resume' },
  models: { run: modelsCommand, about: 'model registry: import HF/GGUF (hashed, validated), inspect, convert to GGUF/k-quants' },
  generate: { run: generateCommand, about: 'synthetic Q&A/summary/extraction/classification examples from document chunks with a local teacher' },
  eval: { run: evalCommand, about: 'evaluate a model (+adapter) on a dataset version’s test split; compare two evals' },
  report: { run: reportCommand, about: 'write the release report (HTML + PDF) of a release decision: lineage, data, curves, evals, gate, hashes' },
  export: { run: exportCommand, about: 'export a model/adapter: merged safetensors, GGUF, Ollama Modelfile, model card, SHA256SUMS' },
  doctor: { run: doctorCommand, about: 'check Python, torch, GPUs, llama.cpp backend, disk and data folder' },
  audit: { run: auditCommand, about: 'verify or list the hash-chained audit log' },
  users: { run: usersCommand, about: 'team mode accounts: add, list, disable, reset-password, set-role (audited)' },
  dev: { run: devCommand, about: 'developer tools: make-tiny-model' },
};

export function help(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.about}`);
  return (
    `Usage: lathe <command> [options]\n\n${rows.join('\n')}\n\n` +
    'Help on one command: lathe <command> --help.\n' +
    'Ids: a full id, or its first characters as the lists print them (at least 4; models also by name).\n' +
    'Data folder: --data-dir DIR or LATHE_DATA_DIR.\n'
  );
}

/**
 * Runs `lathe ARGV…` and resolves to the exit code; errors other than a request for help are left to the caller.
 * `lathe <command> --help`/`-h` (and `lathe help <command>`) prints that command's usage on stdout and exits 0.
 */
export async function runLathe(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (name === 'help' && rest[0] && COMMANDS[rest[0]]) [name, rest] = [rest[0], ['--help']];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (!(err instanceof HelpRequested)) throw err;
    process.stdout.write(`lathe ${name}: ${command.about}\n\nUsage: ${err.usage}\n`);
    return 0;
  }
}
