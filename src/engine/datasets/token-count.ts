import type Database from 'better-sqlite3';
import { Tokenizer } from '@huggingface/tokenizers';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../shared/contract/errors.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import { tokenCountQueries } from '../db/queries/recipes.js';
import { exampleText } from '../../shared/datasets/example-text.js';

export interface LoadedTokenizer {
  path: string;
  sha256: string;
  /** Tokens of the text alone: no BOS/EOS and no chat-template markup (the trainer adds those per model). */
  count(text: string): number;
}

/**
 * Loads a base model's tokenizer.json (give the model folder or the file) with @huggingface/tokenizers, a pure-JS
 * reader of the same file transformers uses. Loaded tokenizers are kept by path + size + mtime, so a changed
 * file is read again.
 */
export class TokenizerCache {
  private readonly loaded = new Map<string, LoadedTokenizer>();

  load(input: string): LoadedTokenizer {
    const file = resolveTokenizerFile(input);
    const stat = fs.statSync(file);
    const key = `${file}\0${stat.size}\0${stat.mtimeMs}`;
    const hit = this.loaded.get(key);
    if (hit) return hit;
    const bytes = fs.readFileSync(file);
    let tokenizer: Tokenizer;
    try {
      const configFile = path.join(path.dirname(file), 'tokenizer_config.json');
      const config = fs.existsSync(configFile) ? (JSON.parse(fs.readFileSync(configFile, 'utf8')) as object) : {};
      tokenizer = new Tokenizer(JSON.parse(bytes.toString('utf8')) as object, config);
    } catch (err) {
      throw new LatheError('INVALID_ARGUMENTS', `${file} is not a readable tokenizer: ${(err as Error).message}.`, 'Pick the tokenizer.json of a Hugging Face model folder.');
    }
    const loaded: LoadedTokenizer = {
      path: file,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      count: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length,
    };
    if (this.loaded.size >= 4) this.loaded.delete(this.loaded.keys().next().value!);
    this.loaded.set(key, loaded);
    return loaded;
  }
}

function resolveTokenizerFile(input: string): string {
  const abs = path.resolve(input);
  const stat = fs.statSync(abs, { throwIfNoEntry: false });
  const file = stat?.isDirectory() ? path.join(abs, 'tokenizer.json') : abs;
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
    throw new LatheError('NOT_FOUND', `No tokenizer.json at ${file}.`, 'Pick the base model folder (it holds tokenizer.json) or the tokenizer.json file itself.');
  }
  return file;
}

export const tokenText = (content: ExampleContent): string => exampleText(content);

/**
 * Token counts through the library's cache: each (tokenizer sha, example hash) is tokenised once, ever.
 * New counts are written in batches; call `flush()` when done.
 */
export function cachedCounter(db: Database.Database, tok: LoadedTokenizer) {
  const q = tokenCountQueries(db);
  const pending: Array<[string, number]> = [];
  let computed = 0;
  let cached = 0;
  const flush = () => {
    if (pending.length) q.putMany(tok.sha256, pending.splice(0));
  };
  return {
    count(hash: string, contentJson: string): number {
      const hit = q.get(tok.sha256, hash);
      if (hit !== undefined) {
        cached += 1;
        return hit;
      }
      const n = tok.count(tokenText(JSON.parse(contentJson) as ExampleContent));
      pending.push([hash, n]);
      computed += 1;
      if (pending.length >= 2000) flush();
      return n;
    },
    flush,
    stats: () => ({ computed, cached }),
  };
}
