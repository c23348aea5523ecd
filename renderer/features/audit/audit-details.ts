import { formatDateTime } from '../../lib/format.js';

/**
 * An audit entry's details as fields a reviewer reads ("Content hash", "12,034", "4 Dec 2026, 16:02:11") instead
 * of JSON. The exact values stay one click away (the raw JSON below the fields) and in every export.
 */
export type DetailValue =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'fields'; fields: DetailField[] }
  | { kind: 'empty' };

export interface DetailField {
  key: string;
  label: string;
  value: DetailValue;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
// Hashes and ids read as code: hex digests, UUIDs, paths.
const CODE_LIKE = /^([0-9a-f]{16,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(sha256:)[0-9a-f]+|[/~][^\s]*|[A-Za-z]:\\\S*)$/i;
const MAX_DEPTH = 3;

// Words written the way people write them, wherever they stand in a label.
const SPELLED: Record<string, string> = { sha256: 'SHA-256', id: 'ID', ids: 'IDs', url: 'URL', pid: 'PID', gguf: 'GGUF', lr: 'LR', kl: 'KL', f1: 'F1', json: 'JSON', csv: 'CSV', hf: 'HF', lora: 'LoRA', dpo: 'DPO', pii: 'PII' };

/** "contentHash", "content_hash" and "content-hash" → "Content hash"; "versionId" → "Version ID", "sha256" → "SHA-256". */
export function fieldLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => SPELLED[w] ?? w);
  if (!words.length) return key;
  return [words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1), ...words.slice(1)].join(' ');
}

function scalar(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en') : String(+value.toPrecision(6));
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' && ISO_DATE.test(value)) return formatDateTime(value);
  return String(value);
}

function detailValue(value: unknown, depth: number): DetailValue {
  if (value === null || value === undefined || value === '') return { kind: 'empty' };
  if (typeof value === 'string') return CODE_LIKE.test(value) ? { kind: 'code', text: value } : { kind: 'text', text: scalar(value) };
  if (typeof value !== 'object') return { kind: 'text', text: scalar(value) };
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'empty' };
    if (value.every((v) => v === null || typeof v !== 'object')) return { kind: 'list', items: value.map(scalar) };
  }
  if (depth >= MAX_DEPTH) return { kind: 'code', text: JSON.stringify(value) };
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i + 1), v] as const) : Object.entries(value);
  return { kind: 'fields', fields: entries.map(([k, v]) => ({ key: k, label: Array.isArray(value) ? `#${k}` : fieldLabel(k), value: detailValue(v, depth + 1) })) };
}

/** The top-level fields of an entry's details, in the order they were recorded. */
export function detailFields(details: unknown): DetailField[] {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) {
    return details === null || details === undefined ? [] : [{ key: 'value', label: 'Value', value: detailValue(details, 0) }];
  }
  return Object.entries(details).map(([key, v]) => ({ key, label: fieldLabel(key), value: detailValue(v, 1) }));
}
