import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../lib/format.js';
import { detailFields, fieldLabel } from './audit-details.js';

describe('audit details as readable fields', () => {
  it('labels camelCase, snake_case and kebab-case keys as words', () => {
    expect(fieldLabel('contentHash')).toBe('Content hash');
    expect(fieldLabel('rows_imported')).toBe('Rows imported');
    expect(fieldLabel('gate-threshold')).toBe('Gate threshold');
    expect(fieldLabel('sha256')).toBe('SHA-256');
    expect(fieldLabel('baselineEvalId')).toBe('Baseline eval ID');
    expect(fieldLabel('adapter_ids')).toBe('Adapter IDs');
  });

  it('shows numbers, booleans, dates, hashes, paths and lists the way a reviewer reads them, in recorded order', () => {
    const at = '2026-12-04T16:02:11.000Z';
    const fields = detailFields({
      rowsImported: 12034,
      lr: 0.00020000000000000001,
      heldOut: true,
      releasedAt: at,
      contentHash: 'a'.repeat(64),
      path: '/data/northwind.jsonl',
      formats: ['merged', 'gguf-q4_k_m'],
      reason: 'Reviewed by the desk',
      note: null,
    });
    expect(fields.map((f) => f.label)).toEqual(['Rows imported', 'LR', 'Held out', 'Released at', 'Content hash', 'Path', 'Formats', 'Reason', 'Note']);
    expect(fields.map((f) => f.value)).toEqual([
      { kind: 'text', text: '12,034' },
      { kind: 'text', text: '0.0002' },
      { kind: 'text', text: 'yes' },
      { kind: 'text', text: formatDateTime(at) },
      { kind: 'code', text: 'a'.repeat(64) },
      { kind: 'code', text: '/data/northwind.jsonl' },
      { kind: 'list', items: ['merged', 'gguf-q4_k_m'] },
      { kind: 'text', text: 'Reviewed by the desk' },
      { kind: 'empty' },
    ]);
  });

  it('nests objects and arrays of objects as fields, and stops at a depth with the exact JSON', () => {
    const [gate, splits, deep] = detailFields({
      gate: { metric: 'f1', threshold: 5.56 },
      splits: [{ name: 'train', rows: 39 }],
      deep: { a: { b: { c: { d: 1 } } } },
    });
    expect(gate!.value).toEqual({ kind: 'fields', fields: [
      { key: 'metric', label: 'Metric', value: { kind: 'text', text: 'f1' } },
      { key: 'threshold', label: 'Threshold', value: { kind: 'text', text: '5.56' } },
    ] });
    expect(splits!.value).toMatchObject({ kind: 'fields', fields: [{ label: '#1', value: { kind: 'fields', fields: [{ label: 'Name' }, { label: 'Rows', value: { text: '39' } }] } }] });
    const b = (deep!.value as { fields: Array<{ value: { fields: Array<{ value: unknown }> } }> }).fields[0]!.value.fields[0]!.value;
    expect(b).toEqual({ kind: 'code', text: '{"c":{"d":1}}' });
  });

  it('an entry without details has no fields; a bare value gets one', () => {
    expect(detailFields(null)).toEqual([]);
    expect(detailFields({})).toEqual([]);
    expect(detailFields('x')).toEqual([{ key: 'value', label: 'Value', value: { kind: 'text', text: 'x' } }]);
  });
});
