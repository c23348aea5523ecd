import { describe, expect, it } from 'vitest';
import { runConcurrency } from '../../../bench/concurrency-bench.js';

describe('several processes on one data folder (each its own Engine)', () => {
  it('three readers and a writer for 20 s: no SQLITE_BUSY, no error of any kind reaches a caller', async () => {
    const reports = await runConcurrency({ seconds: 20, readers: 3, writers: 1 });
    for (const r of reports) expect(r.errors, `${r.role} ${r.pid}`).toEqual({});
    const writer = reports.find((r) => r.role === 'writer')!;
    expect(writer.ops).toBeGreaterThanOrEqual(5); // imports and curation really committed while the readers read
    for (const r of reports.filter((x) => x.role === 'reader')) expect(r.ops).toBeGreaterThan(100);
  }, 180_000);
});
