import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';

/**
 * Agreement among labellers from real review actions (real SQLite): three labellers' verdicts and tags on five
 * examples, figures checked against hand computations (see each expectation), an undone tag left out.
 */
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.dispose();
});

describe('reviews.agreement', () => {
  it("gives Krippendorff's alpha on verdicts and per tag, and Cohen's kappa per pair, over the examples two or more judged", async () => {
    const engine = Engine.open({ dataDir: path.join(tempDir(), 'data'), mode: 'test' });
    engines.push(engine);
    const file = path.join(tempDir(), 'qa.jsonl');
    fs.writeFileSync(file, [1, 2, 3, 4, 5].map((i) => JSON.stringify({ prompt: `Question ${i}?`, completion: `Answer ${i}.` })).join('\n') + '\n');
    const { versionId } = await engine.call('datasets.import', { path: file, datasetName: 'qa' });
    const act = (reviewer: string, position: number, action: 'accept' | 'reject' | 'skip' | 'tag', tag?: string) =>
      engine.call('reviews.act', { versionId, position, action, reviewer, ...(tag ? { tag } : {}) });
    // Verdicts: 0 ana A, ben A · 1 ana A, ben R · 2 ana R, ben R, cy R · 3 ana A (alone) · 4 ben S, cy A
    await act('ana', 0, 'accept'); await act('ben', 0, 'accept');
    await act('ana', 1, 'accept'); await act('ben', 1, 'reject');
    await act('ana', 2, 'reject'); await act('ben', 2, 'reject'); await act('cy', 2, 'reject');
    await act('ana', 3, 'accept');
    await act('ben', 4, 'skip'); await act('cy', 4, 'accept');
    // Tags: ana tags 0 and 1 "units", ben tags 0; cy tags 2 and undoes it.
    await act('ana', 0, 'tag', 'units'); await act('ana', 1, 'tag', 'units'); await act('ben', 0, 'tag', 'units');
    await act('cy', 2, 'tag', 'units');
    await engine.call('reviews.undo', { versionId, reviewer: 'cy' });

    const r = await engine.call('reviews.agreement', { versionId });
    expect(r.reviewers).toEqual(['ana', 'ben', 'cy']);
    expect(r.overlap).toBe(4); // position 3 has one labeller
    // Units [A,A] [A,R] [R,R,R] [S,A]: o_AA 2, o_AR = o_RA 1, o_RR 3, o_SA = o_AS 1; n_A 4, n_R 4, n_S 1, n 9;
    // alpha = 1 - 8 · 4 / (2 · (16 + 4 + 4)) = 1/3
    expect(r.verdicts).toMatchObject({ units: 4, values: 9 });
    expect(r.verdicts.alpha).toBeCloseTo(1 / 3, 12);
    const pair = (a: string, b: string) => r.pairs.find((p) => p.a === a && p.b === b)!;
    // ana–ben on 0, 1, 2: (A,A) (A,R) (R,R): p_o 2/3, p_e 4/9, kappa 0.4
    expect(pair('ana', 'ben')).toMatchObject({ n: 3 });
    expect(pair('ana', 'ben').kappa).toBeCloseTo(0.4, 12);
    // ana–cy on 2 only, both R: chance agreement 1, kappa undefined
    expect(pair('ana', 'cy')).toMatchObject({ n: 1, kappa: null });
    // ben–cy on 2 and 4: (R,R) (S,A): p_o 1/2, p_e 1/4, kappa 1/3
    expect(pair('ben', 'cy').kappa).toBeCloseTo(1 / 3, 12);
    // Tag "units" on the overlap: [T,T] [T,N] [N,N,N] [N,N] (cy's tag was undone): o_TT 2, o_TN = o_NT 1, o_NN 5;
    // n_T 3, n_N 6, n 9; alpha = 1 - 8 · 2 / (2 · 18) = 5/9
    expect(r.tags).toHaveLength(1);
    expect(r.tags[0]!.tag).toBe('units');
    expect(r.tags[0]!.alpha).toBeCloseTo(5 / 9, 12);
  });
});
