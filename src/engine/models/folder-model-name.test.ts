import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { folderModelName } from './hf-folder.js';

/** Registry names from folders people really have (issue 19 item 11: models were called "hf · F16 · F16"). */
describe('a model folder’s name in the registry', () => {
  it('comes from the model card, the Hugging Face cache repository, or the folders above a generic one', () => {
    const root = tempDir();
    const card = (dir: string, text: string) => {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'README.md'), text);
      return path.join(dir, 'README.md');
    };
    expect(folderModelName(path.join(root, 'x'), card(path.join(root, 'x'), '---\nlicense: llama3\nmodel_name: "Grid Llama 8B"\n---\n# Something else\n'))).toBe('Grid Llama 8B');
    expect(folderModelName(path.join(root, 'y'), card(path.join(root, 'y'), '---\nlicense: mit\n---\n\n# **Northwind** tiny Llama\n\ntext'))).toBe('Northwind tiny Llama');
    expect(folderModelName(path.join(root, 'z'), card(path.join(root, 'z'), '# Model Card\n'))).toBe('z');
    const snapshot = path.join(root, 'hub', 'models--meta-llama--Meta-Llama-3-8B-Instruct', 'snapshots', 'a'.repeat(40));
    expect(folderModelName(snapshot, null)).toBe('meta-llama/Meta-Llama-3-8B-Instruct');
    expect(folderModelName(path.join(root, 'northwind-tiny', 'seed-0', 'hf'), null)).toBe('seed-0 · hf');
    expect(folderModelName(path.join(root, 'qwen2.5-7b', 'merged'), null)).toBe('qwen2.5-7b · merged');
    expect(folderModelName(path.join(root, 'Mistral-7B-v0.3'), null)).toBe('Mistral-7B-v0.3');
  });
});
