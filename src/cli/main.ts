#!/usr/bin/env node
/**
 * `lathe` — the same engine services as the app, headless.
 */
import { describeError, toErrorData } from '../shared/contract/errors.js';
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

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; about: string }> = {
  demo: { run: demoCommand, about: 'build the tiny model from the bundled sample and chat with it' },
  chat: { run: chatCommand, about: 'chat with a registered GGUF model (or a .gguf file) in the terminal' },
  serve: { run: serveCommand, about: 'run the engine with the interface in your browser (127.0.0.1, token)' },
  import: { run: importCommand, about: 'import task data (JSONL, JSON, CSV, TSV) into a dataset version' },
  dataset: { run: datasetCommand, about: 'export a version (JSONL + manifest), stats, filters, data recipes' },
  train: { run: trainCommand, about: 'fine-tune a base model on a dataset version (LoRA/QLoRA/full, SFT or CPT)' },
  models: { run: modelsCommand, about: 'model registry: import HF/GGUF (hashed, validated), inspect, convert to GGUF/k-quants' },
  generate: { run: generateCommand, about: 'synthetic Q&A/summary/extraction/classification examples from document chunks with a local teacher' },
  eval: { run: evalCommand, about: 'evaluate a model (+adapter) on a dataset version’s test split; compare two evals' },
  report: { run: reportCommand, about: 'write the release report (HTML + PDF) of a release decision: lineage, data, curves, evals, gate, hashes' },
  export: { run: exportCommand, about: 'export a model/adapter: merged safetensors, GGUF, Ollama Modelfile, model card, SHA256SUMS' },
  doctor: { run: doctorCommand, about: 'check Python, torch, GPUs, llama.cpp backend, disk and data folder' },
  audit: { run: auditCommand, about: 'verify or list the hash-chained audit log' },
  dev: { run: devCommand, about: 'developer tools: make-tiny-model' },
};

function help(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.about}`);
  return `Usage: lathe <command> [options]\n\n${rows.join('\n')}\n\nData folder: --data-dir DIR or LATHE_DATA_DIR.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${help()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`lathe: ${describeError(toErrorData(err))}\n`);
    process.exit(1);
  },
);
