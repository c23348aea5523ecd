import { describe, expect, it } from 'vitest';
import { parseHash } from '../features/shell/useHashRoute.js';
import { formatBytes, formatDuration, formatRelative, formatTimeLeft, modelWithQuant, shortHash } from './format.js';

describe('format', () => {
  it('formats bytes the way the status bar shows them', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(80 * 1024 ** 3)).toBe('80.0 GB');
    expect(formatBytes(141 * 1024 ** 3)).toBe('141 GB');
  });

  it('says how long a job took, and how long it has left, as a person would', () => {
    expect(formatDuration(400)).toBe('under a second');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(192_000)).toBe('3 min 12 s');
    expect(formatDuration(180_000)).toBe('3 min');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
    expect(formatTimeLeft(4_000)).toBe('a few seconds left');
    expect(formatTimeLeft(38_000)).toBe('about 40 s left');
    expect(formatTimeLeft(130_000)).toBe('about 2 min left');
    expect(formatTimeLeft(80 * 60_000)).toBe('about 1 h 20 min left');
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(formatRelative('2026-11-28T11:59:50Z', now)).toBe('just now');
    expect(formatRelative('2026-11-28T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-11-28T09:00:00Z', now)).toBe('3 h ago');
  });

  it('shortens hashes', () => {
    expect(shortHash('0123456789abcdef')).toBe('0123456789');
  });
});

describe('routes', () => {
  it('reads the page from the hash and ignores anything unknown', () => {
    expect(parseHash('#/audit')).toBe('audit');
    expect(parseHash('#/runs/42')).toBe('runs');
    expect(parseHash('#audit')).toBe('audit');
    expect(parseHash('')).toBeNull();
    expect(parseHash('#/nope')).toBeNull();
  });

  it('names a GGUF model with its quantisation once', () => {
    expect(modelWithQuant({ name: 'tiny-llama', quantization: 'Q8_0' })).toBe('tiny-llama · Q8_0');
    expect(modelWithQuant({ name: 'tiny-llama · Q8_0', quantization: 'Q8_0' })).toBe('tiny-llama · Q8_0');
    expect(modelWithQuant({ name: 'northwind-assistant-q4_k_m', quantization: 'Q4_K_M' })).toBe('northwind-assistant-q4_k_m');
    expect(modelWithQuant({ name: 'base', quantization: null })).toBe('base');
  });
});
