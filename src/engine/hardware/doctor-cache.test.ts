import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../shared/contract/index.js';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { EngineContext } from '../context.js';
import { EventBus } from '../event-bus.js';
import { DOCTOR_CACHE_FILE, doctorHandlers } from './doctor-handlers.js';

const report = (at: string, torch: string): DoctorReport => ({
  checkedAt: at,
  checks: [{ id: 'torch', label: 'PyTorch', status: 'ok', value: torch, hint: '' }],
  summary: { device: 'CPU', vramBytes: null, llamaBackend: 'CPU', torch, freeDiskBytes: 1 },
});

/** A real data folder and event bus; the slow probe itself (Python + llama.cpp) is replaced by a counter. */
function engineLike(dataDir: string) {
  const events = new EventBus();
  const updates: DoctorReport[] = [];
  events.listen('doctor.updated', (r) => updates.push(r));
  return { ctx: { dataDir, dbProblem: null, events } as unknown as EngineContext, updates };
}

describe('doctor report across restarts', () => {
  it('answers a fresh start at once with the last report from disk, then pushes the new one', async () => {
    const dataDir = tempDir();
    const first = engineLike(dataDir);
    let calls = 0;
    const probe = async () => report(`2026-12-0${++calls}T10:00:00.000Z`, `2.${calls}`);
    const one = doctorHandlers(first.ctx, probe)['doctor.report'];
    expect((await one({ refresh: false })).checkedAt).toBe('2026-12-01T10:00:00.000Z'); // nothing kept yet: waits
    await new Promise((r) => setTimeout(r, 0));
    expect(fs.existsSync(path.join(dataDir, DOCTOR_CACHE_FILE))).toBe(true);

    // The next start: the kept report comes back without waiting for a slow probe.
    const second = engineLike(dataDir);
    let release!: () => void;
    const slow = async () => { await new Promise<void>((r) => (release = r)); return report('2026-12-09T10:00:00.000Z', '2.9'); };
    const answer = await doctorHandlers(second.ctx, slow)['doctor.report']({ refresh: false });
    expect(answer.checkedAt).toBe('2026-12-01T10:00:00.000Z');
    expect(second.updates).toEqual([]);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(second.updates.map((r) => r.checkedAt)).toEqual(['2026-12-09T10:00:00.000Z']);
  });

  it('refresh always runs a new check; a damaged or old-shaped cache file is ignored', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'cache'));
    fs.writeFileSync(path.join(dataDir, DOCTOR_CACHE_FILE), '{"checkedAt": 3, "checks": "no"}');
    const { ctx } = engineLike(dataDir);
    const handler = doctorHandlers(ctx, async () => report('2026-12-02T10:00:00.000Z', '2.15'))['doctor.report'];
    expect((await handler({ refresh: false })).checkedAt).toBe('2026-12-02T10:00:00.000Z');
    expect((await handler({ refresh: true })).checkedAt).toBe('2026-12-02T10:00:00.000Z');
  });
});
