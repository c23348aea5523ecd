import { Tokenizer } from '@huggingface/tokenizers';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LatheError } from '../../../shared/contract/errors.js';

/** Counts the units a chunk is measured in: the base model's tokens, or words when no tokenizer was chosen. */
export interface TokenCounter {
  unit: 'tokens' | 'words';
  /** Tokens of one word piece (a word with the whitespace before it). */
  countPiece(piece: string): number;
  /** Exact count for a whole chunk (used to check the greedy packing). */
  countText(text: string): number;
  /** What the import record keeps: tokenizer file and its sha256, or why words were used. */
  describe: { unit: 'tokens' | 'words'; tokenizer: string | null; tokenizerSha256: string | null; note: string | null };
}

export const wordCounter: TokenCounter = {
  unit: 'words',
  countPiece: () => 1,
  countText: (t) => t.split(/\s+/).filter(Boolean).length,
  describe: { unit: 'words', tokenizer: null, tokenizerSha256: null, note: 'No tokenizer was chosen: chunks are measured in words, not tokens.' },
};

/** Resolves a tokenizer.json from a file path or a model folder (HF layout). */
export function resolveTokenizerFile(p: string): string {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  const file = stat?.isDirectory() ? path.join(p, 'tokenizer.json') : p;
  if (!fs.existsSync(file)) {
    throw new LatheError('NOT_FOUND', `There is no tokenizer.json at ${p}.`, 'Choose the base model folder (it holds tokenizer.json), or chunk by words without a tokenizer.');
  }
  return file;
}

/**
 * Loads a Hugging Face tokenizer.json with the pure-JS @huggingface/tokenizers (no network, no native code).
 * Counts are cached per distinct word piece: encoding a whole 1 MB document at once costs ~10 s, pieces
 * repeat constantly, and tokenizers that pre-split on whitespace (Llama, GPT-2, Qwen, Mistral) give the same
 * total either way.
 */
export function loadTokenCounter(p: string): TokenCounter {
  const file = resolveTokenizerFile(p);
  const bytes = fs.readFileSync(file);
  let tokenizer: Tokenizer;
  try {
    const configFile = path.join(path.dirname(file), 'tokenizer_config.json');
    const config = fs.existsSync(configFile) ? (JSON.parse(fs.readFileSync(configFile, 'utf8')) as object) : {};
    tokenizer = new Tokenizer(JSON.parse(bytes.toString('utf8')) as object, config);
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `${file} is not a usable tokenizer.json (${(err as Error).message}).`, 'Choose the tokenizer.json of the base model you will train.');
  }
  const cache = new Map<string, number>();
  const encode = (t: string) => tokenizer.encode(t, { add_special_tokens: false }).ids.length;
  return {
    unit: 'tokens',
    countPiece(piece) {
      let n = cache.get(piece);
      if (n === undefined) {
        n = encode(piece);
        if (cache.size < 500_000) cache.set(piece, n);
      }
      return n;
    },
    countText: encode,
    describe: { unit: 'tokens', tokenizer: file, tokenizerSha256: createHash('sha256').update(bytes).digest('hex'), note: null },
  };
}
