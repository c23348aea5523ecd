import { describe, expect, it } from 'vitest';
import type { EngineContext } from '../context.js';
import { EventBus } from '../event-bus.js';
import { JobRegistry } from '../jobs.js';
import { buildProgressMessage } from './llama-converters.js';
import { runModelJob } from './model-job.js';

/** The job wrapper every conversion and export runs in, with a real event bus and job registry. */
function context(): { ctx: EngineContext; seen: Array<{ fraction: number | null; message: string; state: string }> } {
  const events = new EventBus();
  const seen: Array<{ fraction: number | null; message: string; state: string }> = [];
  events.listen('job.progress', (p) => seen.push({ fraction: p.fraction, message: p.message, state: p.state }));
  return { ctx: { events, jobs: new JobRegistry(events) } as unknown as EngineContext, seen };
}

describe('model job progress', () => {
  it('never moves backwards: a later step reporting a lower fraction, or a phase of unknown length, holds the bar', async () => {
    const { ctx, seen } = context();
    await runModelJob(ctx, { kind: 'model.convert', label: 'tiny → Q4_K_M' }, async (report) => {
      report(0.5, 'F16 written');
      report(null, 'Building llama-quantize once: 12%');
      report(0.1, 'Quantizing tensor 1/20'); // the quantizer's own scale restarts at 0
      report(0.75, 'Quantizing tensor 15/20');
      return { result: null, message: 'done' };
    });
    const running = seen.filter((e) => e.state === 'running').map((e) => e.fraction);
    expect(running).toEqual([0, 0.5, 0.5, 0.5, 0.75]);
    for (let i = 1; i < running.length; i++) expect(running[i]!).toBeGreaterThanOrEqual(running[i - 1]!);
    expect(seen.at(-1)).toMatchObject({ fraction: 1, state: 'done' });
  });

  it('shows the one-off llama-quantize build as its own phase with cmake\'s percentage', () => {
    expect(buildProgressMessage('[ 45%] Building CXX object ggml/src/CMakeFiles/ggml-cpu.dir/ggml-cpu.c.o')).toMatch(/^Building llama-quantize once .*: 45% — about 8 minutes/);
    expect(buildProgressMessage('-- Configuring done')).toBe('Building llama-quantize once: -- Configuring done');
  });
});
