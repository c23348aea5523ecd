import { describe, expect, it } from 'vitest';
import { formatBytes } from '../lib/format.js';
import { bytesAxis, numberAxis } from './axis-ticks.js';

const MB = 1024 ** 2;
const GB = 1024 ** 3;
const labels = (axis: ReturnType<typeof bytesAxis>) => axis!.ticks.map(axis!.format);

describe('bytesAxis', () => {
  it('labels a memory curve that moves less than 1 MB with distinct ticks (formatBytes alone repeats "700 MB")', () => {
    const values = [700.1, 700.2, 700.35, 700.4].map((v) => v * MB);
    // The bug this replaces: the fixed-precision formatter gives one label for the whole range.
    expect(new Set(values.map(formatBytes)).size).toBe(1);
    const axis = bytesAxis(values)!;
    const shown = labels(axis);
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown.length).toBeGreaterThanOrEqual(3);
    expect(shown.every((l) => l.endsWith(' MB'))).toBe(true);
    expect(axis.ticks[0]! / values[0]!).toBeLessThanOrEqual(1 + 1e-12);
    expect(axis.ticks.at(-1)! / values.at(-1)!).toBeGreaterThanOrEqual(1 - 1e-12);
    expect(shown).toEqual(['700.1 MB', '700.2 MB', '700.3 MB', '700.4 MB']);
  });

  it('uses round steps in the unit of the largest value', () => {
    expect(labels(bytesAxis([18.2 * GB, 21.7 * GB]))).toEqual(['18 GB', '19 GB', '20 GB', '21 GB', '22 GB']);
    expect(labels(bytesAxis([100 * MB, 900 * MB]))).toEqual(['0 MB', '200 MB', '400 MB', '600 MB', '800 MB', '1000 MB']);
  });

  it('gives a flat line an axis around it, and nothing for no data', () => {
    const shown = labels(bytesAxis([512 * MB, 512 * MB]));
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown.length).toBeGreaterThan(1);
    expect(bytesAxis([])).toBeUndefined();
    expect(bytesAxis([Number.NaN])).toBeUndefined();
  });
});

describe('numberAxis', () => {
  it('labels throughput between 1.20k and 1.24k tokens/s with distinct ticks', () => {
    const shown = labels(numberAxis([1201, 1215, 1238]));
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown.every((l) => l.endsWith('k'))).toBe(true);
  });

  it('keeps small numbers plain and round', () => {
    expect(labels(numberAxis([0.3, 1.9]))).toEqual(['0.0', '0.5', '1.0', '1.5', '2.0']);
    expect(labels(numberAxis([0.31, 0.34]))).toEqual(['0.31', '0.32', '0.33', '0.34']);
  });
});
