/**
 * PII detectors: emails, phone numbers, IBANs (mod-97 checked), credit cards (Luhn checked), US SSNs, IPv4 and
 * IPv6 addresses, plus user-defined patterns. Checksums keep order numbers and dates from being flagged.
 */
export type PiiKind = 'email' | 'phone' | 'iban' | 'credit_card' | 'us_ssn' | 'ip_address' | 'custom';

export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
  text: string;
  label: string;
}

interface Detector {
  kind: PiiKind;
  label: string;
  pattern: RegExp;
  valid?: (m: string) => boolean;
}

const DETECTORS: Detector[] = [
  { kind: 'email', label: 'EMAIL', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  { kind: 'iban', label: 'IBAN', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, valid: ibanValid },
  { kind: 'credit_card', label: 'CARD', pattern: /\b(?:\d[ -]?){12,18}\d\b/g, valid: luhnValid },
  { kind: 'us_ssn', label: 'SSN', pattern: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
  { kind: 'phone', label: 'PHONE', pattern: /(?<![\w+]|\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?)?\d{2,4}[ .-]\d{3,4}[ .-]\d{3,4}\b(?![ .-]?\d)/g },
  { kind: 'ip_address', label: 'IP', pattern: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g },
  { kind: 'ip_address', label: 'IP', pattern: /\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b|\b(?:[0-9a-fA-F]{1,4}:){1,6}(?::[0-9a-fA-F]{1,4}){1,6}\b/g },
];

export function findPii(text: string, custom: RegExp[] = []): PiiMatch[] {
  const found: PiiMatch[] = [];
  const detectors = [...DETECTORS, ...custom.map((pattern): Detector => ({ kind: 'custom', label: 'REDACTED', pattern }))];
  for (const d of detectors) {
    d.pattern.lastIndex = 0;
    for (const m of text.matchAll(d.pattern)) {
      if (m[0].length === 0) continue;
      if (d.valid && !d.valid(m[0])) continue;
      const start = m.index ?? 0;
      const end = start + m[0].length;
      // The first detector to claim a span wins (card numbers are not also phones).
      if (found.some((f) => start < f.end && end > f.start)) continue;
      found.push({ kind: d.kind, start, end, text: m[0], label: d.label });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

export function redactPii(text: string, matches: PiiMatch[]): string {
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + `[${m.label}]`;
    at = m.end;
  }
  return out + text.slice(at);
}

export function luhnValid(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const digit of v) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** User patterns arrive as text; a bad one is a clear error, not a crash. */
export function compileCustomPatterns(patterns: string[]): RegExp[] {
  return patterns.map((p) => {
    try {
      return new RegExp(p, 'g');
    } catch (err) {
      throw new Error(`Pattern "${p}" is not a valid regular expression: ${(err as Error).message}`, { cause: err });
    }
  });
}
