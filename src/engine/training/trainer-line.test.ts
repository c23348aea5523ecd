import { describe, expect, it } from 'vitest';
import { parseTrainerLine } from './trainer-line.js';

const metrics = { v: 1, type: 'metrics', step: 3, loss: null, lr: 1e-4, grad_norm: 0.5, tokens_per_s: 120.5, memory_bytes: 1 << 20 };

describe('a trainer line is read only when it keeps to the protocol', () => {
  it('reads every kind of line the trainer writes, a diverged loss (null) included', () => {
    const lines = [
      { v: 1, type: 'hello', command: 'train', pid: 42, versions: { python: '3.11.2', torch: null }, device: { kind: 'cpu', name: 'x86_64', index: null }, memory: { ram_total_bytes: 8e9 } },
      { v: 1, type: 'progress', stage: 'setup', fraction: null, message: 'Tokenising the data.' },
      metrics,
      { v: 1, type: 'eval', step: 0, val_loss: 2.5 },
      { v: 1, type: 'checkpoint', step: 2, path: '/runs/a/checkpoints/step-2', sha256: 'a'.repeat(64) },
      { v: 1, type: 'event', kind: 'oom_fallback', step: 2, micro_batch: 1, grad_accum: 8, message: 'Halved the micro-batch.' },
      { v: 1, type: 'heartbeat', step: null, phase: 'setup', idle_s: 0 },
      { v: 1, type: 'done', payload: { steps: 3 } },
      { v: 1, type: 'error', code: 'cancelled', message: 'Stopped.', hint: 'Resume it.' },
    ];
    for (const l of lines) expect(parseTrainerLine(JSON.stringify(l)), l.type).toEqual({ ok: true, line: l });
  });

  it('names what is wrong with a line that drifted, and hands on nothing from it', () => {
    const { lr: _lr, ...noLr } = metrics;
    const cases: Array<[unknown, RegExp]> = [
      [noLr, /at "lr"/],
      [{ ...metrics, learning_rate: 1e-4 }, /learning_rate/],
      [{ ...metrics, step: -1 }, /at "step"/],
      [{ ...metrics, v: 2 }, /at "v"/],
      [{ v: 1, type: 'telemetry', url: 'https://example.com' }, /at "type"/],
      [{ v: 1, type: 'progress', stage: 'train', fraction: 1.5, message: 'x' }, /at "fraction"/],
      [{ v: 1, type: 'checkpoint', step: 1, path: '/x', sha256: 'not-a-digest' }, /at "sha256"/],
      [{ v: 1, type: 'done' }, /at "payload"/],
    ];
    for (const [line, why] of cases) {
      const parsed = parseTrainerLine(JSON.stringify(line));
      expect(parsed.ok, JSON.stringify(line)).toBe(false);
      expect(parsed.ok ? '' : parsed.breach).toMatch(why);
    }
    expect(parseTrainerLine('Loading checkpoint shards: 100%')).toEqual({ ok: false, breach: 'not JSON: Loading checkpoint shards: 100%' });
  });
});
