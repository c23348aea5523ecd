import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import type { ExampleContent } from '../../shared/contract/features/datasets.js';
import { Engine } from '../engine.js';

/**
 * Preference pairs, KTO labels, tool calls and per-message weights, imported from files written here in the shapes
 * peers' users bring (LLaMA-Factory's sample files, TRL's dataset formats, OpenAI's fine-tuning formats). Each test
 * checks that nothing is lost and that an export imports back to the same examples.
 */
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.dispose();
  engine = null;
});

function open() {
  const dir = tempDir();
  engine = Engine.open({ dataDir: path.join(dir, 'data'), mode: 'test' });
  const write = (name: string, body: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, body);
    return file;
  };
  return { engine, dir, write };
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function contents(e: Engine, versionId: string): Promise<ExampleContent[]> {
  return (await e.call('datasets.examples', { versionId, limit: 1000 })).examples.map((x) => x.content);
}

/** Export as Lathe's full JSONL, import that file again: the same example hashes, in order. */
async function expectRoundTrip(e: Engine, dir: string, versionId: string, name: string) {
  const out = path.join(dir, `${name}.export.jsonl`);
  await e.call('datasets.export', { versionId, format: 'openai-chat', path: out });
  const back = await e.call('datasets.import', { path: out, datasetName: `${name}-back` });
  const a = (await e.call('datasets.examples', { versionId, limit: 1000 })).examples.map((x) => x.contentHash);
  const b = (await e.call('datasets.examples', { versionId: back.versionId, limit: 1000 })).examples.map((x) => x.contentHash);
  expect(b).toEqual(a);
  return fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const WEATHER_TOOL = { name: 'get_load', description: 'Current load of a substation in MW', parameters: { type: 'object', properties: { substation: { type: 'string' } }, required: ['substation'] } };

describe('tool calls and weights', () => {
  it('imports ShareGPT function_call/observation turns with their tools (LLaMA-Factory glaive shape, a JSON array)', async () => {
    const { engine, dir, write } = open();
    const file = write('glaive.json', JSON.stringify([
      {
        conversations: [
          { from: 'human', value: 'What is the load at Harbor substation?' },
          { from: 'function_call', value: JSON.stringify({ name: 'get_load', arguments: { substation: 'Harbor' } }) },
          { from: 'observation', value: JSON.stringify({ mw: 412 }) },
          { from: 'gpt', value: 'Harbor is carrying 412 MW.' },
        ],
        tools: JSON.stringify([WEATHER_TOOL]),
      },
      { conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello.' }], tools: '[]' },
    ]));
    const det = await engine.call('datasets.detect', { path: file });
    expect(det).toMatchObject({ format: 'sharegpt', mapping: { messages: 'conversations', tools: 'tools' }, unusedFields: [] });
    expect(det.preview.every((p) => p.problem === null)).toBe(true);
    const r = await engine.call('datasets.import', { path: file, datasetName: 'glaive' });
    expect(r.rowsImported).toBe(2);
    const [first, second] = await contents(engine, r.versionId);
    expect(first).toEqual({
      kind: 'chat',
      messages: [
        { role: 'user', content: 'What is the load at Harbor substation?' },
        { role: 'assistant', content: '', tool_calls: [{ type: 'function', function: { name: 'get_load', arguments: '{"substation":"Harbor"}' } }] },
        { role: 'tool', content: '{"mw":412}' },
        { role: 'assistant', content: 'Harbor is carrying 412 MW.' },
      ],
      tools: [{ type: 'function', function: WEATHER_TOOL }],
    });
    expect(second).toEqual({ kind: 'chat', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] });
    await expectRoundTrip(engine, dir, r.versionId, 'glaive');
  });

  it('imports OpenAI chat with tool_calls, tool results, tools, per-message weight and unused fields, and exports them back', async () => {
    const { engine, dir, write } = open();
    const row = {
      id: 'case-17',
      messages: [
        { role: 'system', content: 'You operate the grid tools.' },
        { role: 'user', content: 'Load at Harbor?' },
        { role: 'assistant', content: 'Checking a stale cache first.', weight: 0 },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_load', arguments: '{"substation":"Harbor"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"mw": 412}' },
        { role: 'assistant', content: [{ type: 'text', value: 'Harbor: 412 MW.' }], reasoning_content: 'The tool said 412.', weight: 1, refusal: null },
      ],
      tools: [{ type: 'function', function: WEATHER_TOOL }],
      parallel_tool_calls: false,
    };
    const file = write('openai-tools.jsonl', jsonl([row]));
    const det = await engine.call('datasets.detect', { path: file });
    expect(det).toMatchObject({ format: 'openai-chat', mapping: { messages: 'messages', tools: 'tools' } });
    expect(det.unusedFields.sort()).toEqual(['id', 'parallel_tool_calls']);
    const r = await engine.call('datasets.import', { path: file, datasetName: 'tools' });
    const [c] = await contents(engine, r.versionId);
    expect(c).toEqual({
      kind: 'chat',
      messages: [
        { role: 'system', content: 'You operate the grid tools.' },
        { role: 'user', content: 'Load at Harbor?' },
        { role: 'assistant', content: 'Checking a stale cache first.', weight: 0 },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_load', arguments: '{"substation":"Harbor"}' } }] },
        { role: 'tool', content: '{"mw": 412}', tool_call_id: 'call_1' },
        { role: 'assistant', content: 'Harbor: 412 MW.', reasoning: 'The tool said 412.', weight: 1, extra: { refusal: null } },
      ],
      tools: [{ type: 'function', function: WEATHER_TOOL }],
      extra: { id: 'case-17', parallel_tool_calls: false },
    });
    const [line] = await expectRoundTrip(engine, dir, r.versionId, 'tools');
    expect(line).toMatchObject({ id: 'case-17', parallel_tool_calls: false, tools: row.tools });
    expect((line!.messages as Array<Record<string, unknown>>)[2]).toEqual({ role: 'assistant', content: 'Checking a stale cache first.', weight: 0 });
    // The trainer gets the weights and tools; the unused fields stay in Lathe.
    const { toTrainerLines } = await import('../training/materialize.js');
    const trainer = JSON.parse(toTrainerLines(c!, 'sft', 'x')[0]!);
    expect(trainer.tools).toEqual(row.tools);
    expect(trainer.messages[2]).toEqual({ role: 'assistant', content: 'Checking a stale cache first.', weight: 0 });
    expect(JSON.stringify(trainer)).not.toContain('refusal');
  });

  it('refuses what it cannot keep, by row: a bad weight, every answer weighted out, tool calls on a user turn', async () => {
    const { engine, write } = open();
    const file = write('bad.jsonl', jsonl([
      { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', weight: 0.5 }] },
      { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', weight: 0 }] },
      { messages: [{ role: 'user', content: 'q', tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'assistant', content: 'a' }] },
      { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] },
    ]));
    const r = await engine.call('datasets.import', { path: file, datasetName: 'bad', onError: 'skip' });
    expect(r.rowsImported).toBe(1);
    const rejects = fs.readFileSync(r.rejectsPath!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { problem: string });
    expect(rejects.map((x) => x.problem)).toEqual([
      expect.stringMatching(/weight 0\.5; weight is 0 .* or 1/),
      expect.stringMatching(/every assistant turn has weight 0/),
      expect.stringMatching(/user turn with tool calls/),
    ]);
  });
});

describe('preference pairs', () => {
  const PAIRS = [
    { q: 'What voltage is the Harbor feeder?', good: 'The Harbor feeder runs at 11 kV.', bad: 'The Harbor feeder runs at 400 V.' },
    { q: 'Who signs a switching permit?', good: 'The shift supervisor signs it.', bad: 'Any field technician signs it.' },
  ];

  it('detects TRL prompt/chosen/rejected as text, as message lists, and with an implicit prompt; all give the same pairs', async () => {
    const { engine, dir, write } = open();
    const standard = write('trl-standard.jsonl', jsonl(PAIRS.map((p) => ({ prompt: p.q, chosen: p.good, rejected: p.bad, score: 7 }))));
    const conversational = write('trl-conv.jsonl', jsonl(PAIRS.map((p) => ({
      prompt: [{ role: 'user', content: p.q }],
      chosen: [{ role: 'assistant', content: p.good }],
      rejected: [{ role: 'assistant', content: p.bad }],
      score: 7,
    }))));
    const implicit = write('trl-implicit.jsonl', jsonl(PAIRS.map((p) => ({
      chosen: [{ role: 'user', content: p.q }, { role: 'assistant', content: p.good }],
      rejected: [{ role: 'user', content: p.q }, { role: 'assistant', content: p.bad }],
      score: 7,
    }))));
    const hashes: string[][] = [];
    for (const [i, file] of [standard, conversational, implicit].entries()) {
      const det = await engine.call('datasets.detect', { path: file });
      expect(det.format).toBe('preference');
      expect(det.unusedFields).toEqual(['score']);
      const r = await engine.call('datasets.import', { path: file, datasetName: `trl-${i}` });
      const [first] = await contents(engine, r.versionId);
      expect(first).toEqual({
        kind: 'preference',
        prompt: [{ role: 'user', content: PAIRS[0]!.q }],
        chosen: [{ role: 'assistant', content: PAIRS[0]!.good }],
        rejected: [{ role: 'assistant', content: PAIRS[0]!.bad }],
        extra: { score: 7 },
      });
      hashes.push((await engine.call('datasets.examples', { versionId: r.versionId })).examples.map((x) => x.contentHash));
      const lines = await expectRoundTrip(engine, dir, r.versionId, `trl-${i}`);
      expect(lines[0]).toMatchObject({ score: 7, prompt: [{ role: 'user' }] });
    }
    expect(hashes[1]).toEqual(hashes[0]);
    expect(hashes[2]).toEqual(hashes[0]);
  });

  it('reads Anthropic HH full texts, ShareGPT conversations with chosen/rejected turns, and OpenAI preference files with tools', async () => {
    const { engine, dir, write } = open();
    const hh = write('hh.jsonl', jsonl([{
      chosen: `\n\nHuman: ${PAIRS[0]!.q}\n\nAssistant: ${PAIRS[0]!.good}`,
      rejected: `\n\nHuman: ${PAIRS[0]!.q}\n\nAssistant: ${PAIRS[0]!.bad}`,
    }]));
    const sharegpt = write('dpo_en_demo.json', JSON.stringify([{
      conversations: [{ from: 'system', value: 'Be exact.' }, { from: 'human', value: PAIRS[1]!.q }],
      chosen: { from: 'gpt', value: PAIRS[1]!.good },
      rejected: { from: 'gpt', value: PAIRS[1]!.bad },
    }]));
    const openai = write('openai-pref.jsonl', jsonl([{
      input: { messages: [{ role: 'user', content: PAIRS[0]!.q }], tools: [{ type: 'function', function: WEATHER_TOOL }] },
      preferred_output: [{ role: 'assistant', content: PAIRS[0]!.good }],
      non_preferred_output: [{ role: 'assistant', content: PAIRS[0]!.bad }],
    }]));
    const hhR = await engine.call('datasets.import', { path: hh, datasetName: 'hh' });
    expect((await contents(engine, hhR.versionId))[0]).toEqual({
      kind: 'preference',
      prompt: [{ role: 'user', content: PAIRS[0]!.q }],
      chosen: [{ role: 'assistant', content: PAIRS[0]!.good }],
      rejected: [{ role: 'assistant', content: PAIRS[0]!.bad }],
    });
    const sgR = await engine.call('datasets.import', { path: sharegpt, datasetName: 'sg' });
    expect((await contents(engine, sgR.versionId))[0]).toEqual({
      kind: 'preference',
      prompt: [{ role: 'system', content: 'Be exact.' }, { role: 'user', content: PAIRS[1]!.q }],
      chosen: [{ role: 'assistant', content: PAIRS[1]!.good }],
      rejected: [{ role: 'assistant', content: PAIRS[1]!.bad }],
    });
    const oaDet = await engine.call('datasets.detect', { path: openai });
    expect(oaDet).toMatchObject({ format: 'preference', mapping: { messages: 'input', chosen: 'preferred_output', rejected: 'non_preferred_output' } });
    const oaR = await engine.call('datasets.import', { path: openai, datasetName: 'oa' });
    expect((await contents(engine, oaR.versionId))[0]).toMatchObject({ kind: 'preference', tools: [{ type: 'function', function: WEATHER_TOOL }] });
    for (const [v, name] of [[hhR.versionId, 'hh'], [sgR.versionId, 'sg'], [oaR.versionId, 'oa']] as const) await expectRoundTrip(engine, dir, v, name);
  });

  it('says what is wrong with a pair, in words about preferences, and never imports a prompt-only row', async () => {
    const { engine, write } = open();
    const file = write('pairs.jsonl', jsonl([
      { prompt: 'q', chosen: 'same', rejected: 'same' },
      { prompt: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], chosen: 'x', rejected: 'y' },
      { chosen: 'only an answer', rejected: 'another answer' },
      { prompt: 'q', chosen: [{ role: 'user', content: 'not an answer' }], rejected: 'y' },
      { prompt: 'q', chosen: 'good', rejected: 'bad' },
    ]));
    const r = await engine.call('datasets.import', { path: file, datasetName: 'pairs', onError: 'skip' });
    expect(r.rowsImported).toBe(1);
    const problems = fs.readFileSync(r.rejectsPath!, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { problem: string }).problem);
    expect(problems).toEqual([
      expect.stringMatching(/same chosen and rejected answer/),
      expect.stringMatching(/prompt that ends on an assistant turn/),
      expect.stringMatching(/missing field "prompt"/),
      expect.stringMatching(/chosen answer with a user turn/),
    ]);
    const [only] = await contents(engine, r.versionId);
    expect(only).toMatchObject({ kind: 'preference', chosen: [{ content: 'good' }] });
  });
});

describe('KTO labels', () => {
  it('keeps the desirable/undesirable label (LLaMA-Factory messages + label, TRL prompt/completion/label) and round-trips it', async () => {
    const { engine, dir, write } = open();
    const lf = write('kto_en_demo.json', JSON.stringify([
      { messages: [{ role: 'user', content: 'Harbor voltage?' }, { role: 'assistant', content: '11 kV.' }], label: true },
      { messages: [{ role: 'user', content: 'Harbor voltage?' }, { role: 'assistant', content: '400 V.' }], label: false },
    ]));
    const trl = write('trl-kto.jsonl', jsonl([
      { prompt: 'Harbor voltage?', completion: '11 kV.', label: 'true' },
      { prompt: 'Harbor voltage?', completion: '400 V.', label: 0 },
      { prompt: 'Harbor voltage?', completion: 'Maybe.', label: 'perhaps' },
    ]));
    expect((await engine.call('datasets.detect', { path: lf })).format).toBe('kto');
    const a = await engine.call('datasets.import', { path: lf, datasetName: 'lf-kto' });
    expect((await contents(engine, a.versionId)).map((c) => (c.kind === 'kto' ? c.label : null))).toEqual([true, false]);
    const b = await engine.call('datasets.import', { path: trl, datasetName: 'trl-kto', onError: 'skip' });
    expect(b.rowsImported).toBe(2);
    expect(fs.readFileSync(b.rejectsPath!, 'utf8')).toMatch(/a KTO label is true\/false/);
    expect(b.contentHash).toBe(a.contentHash); // the same two labelled answers, whichever shape they came in
    await expectRoundTrip(engine, dir, a.versionId, 'kto');
    const { toTrainerLines } = await import('../training/materialize.js');
    const [c] = await contents(engine, a.versionId);
    expect(() => toTrainerLines(c!, 'sft', 'kto.json:item 1')).toThrow(/labelled answer; SFT needs conversations/);
    expect(JSON.parse(toTrainerLines(c!, 'kto', 'x')[0]!)).toEqual({ messages: [{ role: 'user', content: 'Harbor voltage?' }, { role: 'assistant', content: '11 kV.' }], label: true });
  });
});

describe('what the user is told when nothing can be read', () => {
  it('names encoding and binary problems before anything about fields', async () => {
    const { engine, write } = open();
    const latin1 = write('latin1.jsonl', Buffer.from('{"text":"caf\xe9 cr\xe8me"}\n{"text":"na\xefve"}\n', 'latin1'));
    const utf16 = write('utf16.jsonl', Buffer.from('{"text":"hello"}\n{"text":"world"}\n', 'utf16le'));
    const binary = write('model.jsonl', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00, 0xff, 0x10, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]));
    await expect(engine.call('datasets.detect', { path: latin1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/latin1\.jsonl is not valid UTF-8 .*Latin-1/) });
    await expect(engine.call('datasets.detect', { path: utf16 })).rejects.toMatchObject({ message: expect.stringMatching(/UTF-16 \(little-endian\) text saved without a byte-order mark/) });
    await expect(engine.call('datasets.detect', { path: binary })).rejects.toMatchObject({ message: expect.stringMatching(/is a binary file/) });
    // With the format given by hand the import says the same, instead of failing row by row.
    await expect(engine.call('datasets.import', { path: binary, datasetName: 'bin', format: 'text', fileType: 'jsonl', onError: 'skip' })).rejects.toMatchObject({ message: expect.stringMatching(/model\.jsonl is a binary file/) });
    expect((await engine.call('datasets.list', {})).datasets).toEqual([]);
  });

  it('writes the rejects file even when every row is rejected, and JSON-array rejects keep their record', async () => {
    const { engine, dir, write } = open();
    const file = write('all-bad.json', JSON.stringify([{ messages: [{ role: 'user', content: 'q' }] }, { messages: [{ role: 'user', content: 'r' }] }]));
    const err = await engine.call('datasets.import', { path: file, datasetName: 'all-bad', format: 'openai-chat', onError: 'skip' }).then(() => ({ message: 'imported' }), (e: unknown) => e as { message: string });
    expect(err.message).toMatch(/all 2 rows rejected; each one and its reason is in (.*\.rejects\.jsonl)/);
    const rejectsPath = /is in (.*\.rejects\.jsonl)/.exec(err.message)![1]!;
    const rejects = fs.readFileSync(rejectsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { locator: string; raw: string });
    expect(rejects.map((x) => x.locator)).toEqual(['item 1', 'item 2']);
    expect(JSON.parse(rejects[1]!.raw)).toEqual({ messages: [{ role: 'user', content: 'r' }] });
    expect(rejectsPath.startsWith(path.join(dir, 'data'))).toBe(true);
    expect((await engine.call('datasets.list', {})).datasets).toEqual([]);
  });
});
