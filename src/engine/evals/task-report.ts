import { Ajv, type ValidateFunction } from 'ajv';
import { LatheError } from '../../shared/contract/errors.js';
import type { EvalTaskReport } from '../../shared/contract/features/evals.js';
import type { EvalItemRow } from '../db/queries/evals.js';
import { normalizeAnswer } from './metrics.js';

/**
 * What a task type adds to the per-item scores, computed from the stored outputs (so an eval run before a task
 * was chosen can still be read as one): per-label accuracy, precision and recall for classification; JSON
 * validity, schema validity and field accuracy for structured output.
 */
export function classificationReport(items: Pick<EvalItemRow, 'output' | 'reference'>[]): NonNullable<EvalTaskReport['classification']> {
  const label = (text: string) => normalizeAnswer(text);
  const labels = [...new Set(items.map((i) => label(i.reference)))].sort();
  const rows = labels.map((l) => {
    const truth = items.filter((i) => label(i.reference) === l);
    const predicted = items.filter((i) => label(i.output) === l);
    const correct = truth.filter((i) => label(i.output) === l).length;
    const precision = predicted.length ? correct / predicted.length : null;
    const recall = truth.length ? correct / truth.length : null;
    const f1 = precision !== null && recall !== null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label: l, n: truth.length, correct, accuracy: recall ?? 0, precision, recall, f1 };
  });
  const correct = items.filter((i) => label(i.output) === label(i.reference)).length;
  const outside = items.filter((i) => !labels.includes(label(i.output))).length;
  return { accuracy: items.length ? correct / items.length : 0, macroF1: rows.length ? rows.reduce((s, r) => s + r.f1, 0) / rows.length : 0, outsideLabelSet: outside, labels: rows };
}

/** The answer as JSON: the whole output, or the first {...} block in it (models like to add prose around JSON). */
export function parseJsonAnswer(output: string): { ok: true; value: unknown } | { ok: false } {
  const text = output.trim();
  for (const candidate of [text, text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)]) {
    if (!candidate) continue;
    try {
      return { ok: true, value: JSON.parse(candidate) as unknown };
    } catch {
      // try the next candidate
    }
  }
  return { ok: false };
}

export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  try {
    return new Ajv({ allErrors: false, strict: false }).compile(schema);
  } catch (err) {
    throw new LatheError('INVALID_ARGUMENTS', `The JSON schema is not valid: ${(err as Error).message}.`, 'Fix the schema (JSON Schema draft 7 / 2019-09), e.g. {"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}.');
  }
}

const same = (a: unknown, b: unknown) => (typeof a === 'string' && typeof b === 'string' ? normalizeAnswer(a) === normalizeAnswer(b) : JSON.stringify(a) === JSON.stringify(b));

export function structuredReport(items: Pick<EvalItemRow, 'output' | 'reference'>[], schema: Record<string, unknown> | null): NonNullable<EvalTaskReport['structured']> {
  const validate = schema ? compileSchema(schema) : null;
  const fields = new Map<string, { n: number; correct: number }>();
  let parsed = 0;
  let valid = 0;
  let fieldSum = 0;
  let scored = 0;
  for (const item of items) {
    const answer = parseJsonAnswer(item.output);
    if (!answer.ok) continue;
    parsed++;
    if (!validate || validate(answer.value)) valid++;
    const reference = parseJsonAnswer(item.reference);
    if (!reference.ok || !reference.value || typeof reference.value !== 'object') continue;
    const want = reference.value as Record<string, unknown>;
    const got = (answer.value && typeof answer.value === 'object' ? answer.value : {}) as Record<string, unknown>;
    const keys = Object.keys(want);
    if (!keys.length) continue;
    let hits = 0;
    for (const k of keys) {
      const f = fields.get(k) ?? { n: 0, correct: 0 };
      f.n++;
      if (same(got[k], want[k])) {
        f.correct++;
        hits++;
      }
      fields.set(k, f);
    }
    fieldSum += hits / keys.length;
    scored++;
  }
  const n = items.length;
  return {
    parseRate: n ? parsed / n : 0,
    schemaValidRate: n ? valid / n : 0,
    fieldAccuracy: scored ? fieldSum / scored : null,
    fields: [...fields.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([field, f]) => ({ field, n: f.n, accuracy: f.correct / f.n })),
  };
}
