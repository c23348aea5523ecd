import { describe, expect, it } from 'vitest';
import { findPii, ibanValid, luhnValid, redactPii } from './pii.js';

describe('PII detectors', () => {
  it('finds each kind in context and redacts it', () => {
    const text =
      'Mail jane.doe@northwind.example or call +1 415-555-0132. Card 4111 1111 1111 1111, SSN 123-45-6789, ' +
      'IBAN GB82 WEST 1234 5698 7654 32, host 10.20.30.40 and fe80::1ff:fe23:4567:890a.';
    const kinds = findPii(text).map((m) => m.kind);
    expect(kinds).toEqual(['email', 'phone', 'credit_card', 'us_ssn', 'iban', 'ip_address', 'ip_address']);
    expect(redactPii(text, findPii(text))).toBe(
      'Mail [EMAIL] or call [PHONE]. Card [CARD], SSN [SSN], IBAN [IBAN], host [IP] and [IP].',
    );
  });

  it('uses checksums so look-alikes are not flagged', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('4111 1111 1111 1112')).toBe(false);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(findPii('Work order 4111 1111 1111 1112 closed; SSN-like 000-12-3456.').map((m) => m.kind)).toEqual([]);
  });

  it('applies user-defined patterns', () => {
    const m = findPii('Employee NW-00421 signed off.', [/NW-\d{5}/g]);
    expect(m).toMatchObject([{ kind: 'custom', text: 'NW-00421' }]);
  });
});
