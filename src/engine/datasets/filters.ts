import type Database from 'better-sqlite3';
import { LatheError } from '../../shared/contract/errors.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import type { ExampleFilterOps } from '../../shared/contract/features/dataset-export.js';
import { guessLanguage } from './language.js';
import { cachedCounter, tokenText, type LoadedTokenizer } from './token-count.js';
import { requireVersion, versionRows, writeDerivedVersion, type DerivedRow } from './version-writer.js';

/** The answer a model learns from: the last assistant turn (a pair's chosen answer), or the whole text. */
function answerOf(content: ExampleContent): string {
  if (content.kind === 'text') return content.text;
  const turns = content.kind === 'preference' ? content.chosen : content.messages;
  const last = [...turns].reverse().find((m) => m.role === 'assistant');
  return last ? `${last.content}${last.tool_calls ? last.tool_calls.map((c) => ` ${c.function.name}(${c.function.arguments})`).join('') : ''}` : '';
}

export function isEmptyAnswer(content: ExampleContent): boolean {
  return !/[\p{L}\p{N}]/u.test(answerOf(content));
}

/**
 * Signs of a broken answer: U+FFFD (bytes that were not valid text), control characters, UTF-8 read as Latin-1
 * ("Ã©"), or mostly symbols: under half of the non-space characters are letters or digits.
 */
export function isGarbled(content: ExampleContent): boolean {
  const a = answerOf(content);
  if (a.includes('\uFFFD') || /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(a) || /Ã[\u0080-\u00BF]/.test(a)) return true;
  const visible = a.replace(/\s+/g, '');
  if (visible.length < 8) return false;
  const letters = (visible.match(/[\p{L}\p{N}]/gu) ?? []).length;
  return letters / visible.length < 0.5;
}

function compile(pattern: string | undefined, which: string): RegExp | null {
  if (!pattern) return null;
  try {
    return new RegExp(pattern, 'u');
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `The ${which} pattern is not a valid regular expression: ${(err as Error).message}.`, 'Fix the pattern (JavaScript syntax) and run the filter again.');
  }
}

/**
 * Makes a new version keeping the examples that pass every check; the reasons say how many each check removed
 * (an example is counted under the first check it fails, in the order below).
 */
export function filterVersion(db: Database.Database, versionId: string, f: ExampleFilterOps, tok: LoadedTokenizer | null, actor: string) {
  const parent = requireVersion(db, versionId);
  if ((f.minTokens !== undefined || f.maxTokens !== undefined) && !tok) {
    throw new LatheError('INVALID_ARGUMENTS', 'Token limits need a tokenizer.', "Choose the base model's folder (with tokenizer.json) so tokens are counted the way it will see them.");
  }
  if (f.minTokens !== undefined && f.maxTokens !== undefined && f.minTokens > f.maxTokens) {
    throw new LatheError('INVALID_ARGUMENTS', `The minimum (${f.minTokens} tokens) is above the maximum (${f.maxTokens}).`, 'Swap or correct the limits.');
  }
  const include = compile(f.include, 'include');
  const exclude = compile(f.exclude, 'exclude');
  const counter = tok ? cachedCounter(db, tok) : null;
  const reasons: Record<string, number> = {};
  let removed = 0;
  const fail = (why: string) => {
    reasons[why] = (reasons[why] ?? 0) + 1;
    removed += 1;
    return null;
  };
  const check = (r: { content_hash: string; content: string }): string | null => {
    const content = JSON.parse(r.content) as ExampleContent;
    if (f.dropEmpty && isEmptyAnswer(content)) return 'empty';
    if (f.dropGarbled && isGarbled(content)) return 'garbled';
    if (counter && (f.minTokens !== undefined || f.maxTokens !== undefined)) {
      const n = counter.count(r.content_hash, r.content);
      if (f.minTokens !== undefined && n < f.minTokens) return 'too-short';
      if (f.maxTokens !== undefined && n > f.maxTokens) return 'too-long';
    }
    const text = tokenText(content);
    if (f.language) {
      const lang = guessLanguage(text);
      if (lang !== null && lang !== f.language) return 'language';
    }
    if (include && !include.test(text)) return 'include';
    if (exclude && exclude.test(text)) return 'exclude';
    return null;
  };
  function* rows(): Generator<DerivedRow> {
    for (const r of versionRows(db, parent)) {
      const why = check(r);
      if (why) fail(why);
      else yield { hash: r.content_hash, text: r.content, source: r.source, split: r.split };
    }
    counter?.flush();
  }
  const params = { op: 'filter', ...f, ...(tok ? { tokenizerSha256: tok.sha256 } : {}) };
  const { version, audit } = writeDerivedVersion(db, parent, rows(), { operation: 'filter', params, actor, auditAction: 'dataset.filter', auditDetails: () => ({ removed, reasons }) });
  return { version, audit, removed, reasons };
}
