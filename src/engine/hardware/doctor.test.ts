import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { runDoctor } from './doctor.js';

const cpuProbe = async () => ({ backend: 'cpu' as const, gpuNames: [], vramBytes: null, cpuThreads: 2, nodeLlamaCppVersion: '3.21.1' });

describe('doctor', () => {
  it('reports the real Python, torch and CPU-only state of this machine with hints', async () => {
    const report = await runDoctor({ dataDir: tempDir(), dbProblem: null, probeInference: cpuProbe });
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId.python?.status).toBe('ok');
    expect(byId.torch?.value).toMatch(/^2\.\d+/);
    expect(byId.gpu).toMatchObject({ status: 'warn', hint: expect.stringMatching(/GPU/) });
    expect(byId['llama-backend']).toMatchObject({ status: 'ok', value: expect.stringMatching(/^CPU/) });
    expect(byId['data-dir']?.status).toBe('ok');
    expect(report.summary).toMatchObject({ device: 'CPU', vramBytes: null, llamaBackend: 'CPU' });
    expect(report.summary.freeDiskBytes).toBeGreaterThan(0);
  }, 60_000);

  it('says what to do when Python is missing or the inference host fails', async () => {
    const saved = process.env.LATHE_PYTHON;
    process.env.LATHE_PYTHON = '/nonexistent/python3';
    try {
      const report = await runDoctor({
        dataDir: tempDir(),
        dbProblem: 'integrity check failed',
        probeInference: async () => {
          throw new Error('binary missing');
        },
      });
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId.python).toMatchObject({ status: 'fail', hint: expect.stringMatching(/setup:python/) });
      expect(byId['llama-backend']).toMatchObject({ status: 'fail', value: expect.stringMatching(/binary missing/) });
      expect(byId.database).toMatchObject({ status: 'fail', hint: expect.stringMatching(/backup/) });
    } finally {
      if (saved === undefined) delete process.env.LATHE_PYTHON;
      else process.env.LATHE_PYTHON = saved;
    }
  });
});
