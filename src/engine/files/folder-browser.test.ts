import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/support/temp-dir.js';
import { Engine } from '../engine.js';
import { expandHome } from '../paths.js';

/**
 * files.listFolder through the engine's contract, on real folders in a temp dir: a fake home (HOME is what
 * os.homedir() reads), a data folder beside it and an "outside" folder that no root covers.
 */
const saved = { HOME: process.env.HOME, LATHE_MODEL_ROOTS: process.env.LATHE_MODEL_ROOTS, LATHE_CACHE_DIR: process.env.LATHE_CACHE_DIR, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
let engine: Engine;
let home: string;
let outside: string;
let dataDir: string;

beforeEach(() => {
  // realpath: on some systems the temp folder itself sits behind a symbolic link.
  const base = fs.realpathSync(tempDir('lathe-browse-'));
  home = path.join(base, 'home');
  outside = path.join(base, 'outside');
  dataDir = path.join(base, 'data');
  const files: Record<string, string> = {
    'models/llama/config.json': '{"model_type":"llama"}',
    'models/llama/model.safetensors': 'x',
    'models/lora/adapter_config.json': '{}',
    'models/lora/adapter_model.safetensors': 'x',
    'models/tiny.Q8_0.gguf': 'GGUF....',
    'models/notes.txt': 'not listed',
    'models/empty/.keep': '',
    '.cache/hidden-model/config.json': '{}',
    '.cache/hidden-model/model.safetensors': 'x',
  };
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(home, rel)), { recursive: true });
    fs.writeFileSync(path.join(home, rel), body);
  }
  fs.mkdirSync(path.join(outside, 'secret-model'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret-model', 'config.json'), '{}');
  fs.writeFileSync(path.join(outside, 'secret-model', 'model.safetensors'), 'x');
  fs.symlinkSync(outside, path.join(home, 'escape')); // a link out of every root
  fs.symlinkSync(path.join(home, 'models', 'llama'), path.join(home, 'llama-link')); // a link that stays inside
  process.env.HOME = home;
  delete process.env.LATHE_MODEL_ROOTS;
  delete process.env.LATHE_CACHE_DIR;
  delete process.env.XDG_CACHE_HOME;
  engine = Engine.open({ dataDir, mode: 'test' });
});

afterEach(async () => {
  await engine.dispose();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const list = (p?: string, showHidden?: boolean) => engine.call('files.listFolder', { ...(p === undefined ? {} : { path: p }), ...(showHidden === undefined ? {} : { showHidden }) });
const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as { code: string; message: string; hint: string });

describe('files.listFolder', () => {
  it('lists the home folder by default, as an allowed root with no parent above it', async () => {
    const l = await list();
    expect(l.path).toBe(home);
    expect(l.parent).toBeNull();
    expect(l.roots).toEqual(expect.arrayContaining([{ label: 'Home', path: home }, { label: 'Lathe data', path: dataDir }]));
    // Hidden folders stay out unless asked for; the link inside a root is followed, the one out of it is not listed.
    expect(l.entries.map((e) => [e.name, e.kind])).toEqual([['llama-link', 'model'], ['models', 'folder']]);
    const hidden = await list('~', true);
    expect(hidden.entries.map((e) => e.name)).toEqual(['llama-link', 'models', '.cache']);
    expect(hidden.entries.find((e) => e.name === '.cache')).toMatchObject({ hidden: true, kind: 'folder' });
  });

  it('marks model folders, adapter folders and GGUF files; other files are left out', async () => {
    const l = await list(path.join(home, 'models'));
    expect(l.parent).toBe(home);
    expect(l.kind).toBe('folder');
    expect(l.entries.map((e) => ({ name: e.name, kind: e.kind, sizeBytes: e.sizeBytes }))).toEqual([
      { name: 'empty', kind: 'folder', sizeBytes: null },
      { name: 'llama', kind: 'model', sizeBytes: null },
      { name: 'lora', kind: 'adapter', sizeBytes: null },
      { name: 'tiny.Q8_0.gguf', kind: 'gguf', sizeBytes: 8 },
    ]);
    expect(l.entries.find((e) => e.name === 'llama')!.path).toBe(path.join(home, 'models', 'llama'));
    expect((await list(path.join(home, 'models', 'llama'))).kind).toBe('model');
  });

  it('expands ~ on the engine side', async () => {
    const l = await list('~/models');
    expect(l.path).toBe(path.join(home, 'models'));
    expect(l.entries.some((e) => e.kind === 'model')).toBe(true);
    expect(expandHome('~', home)).toBe(home);
    expect(expandHome('  ~/a/b ', home)).toBe(path.join(home, 'a', 'b'));
    expect(expandHome('/abs/x', home)).toBe('/abs/x');
    expect(expandHome('~other/x', home)).toBe('~other/x');
    expect(expandHome('/abs/~/x', home)).toBe('/abs/~/x');
  });

  it('refuses a .. escape out of the allowed roots with FORBIDDEN, after resolving it', async () => {
    for (const p of [path.join(home, 'models', '..', '..', 'outside'), '~/../outside', `${home}/../outside/secret-model`]) {
      const err = await refusal(list(p));
      expect(err, p).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/outside the folders Lathe may browse/) });
      expect(err!.hint).toMatch(/LATHE_MODEL_ROOTS/);
    }
    // `..` that stays inside a root is fine: it is resolved first.
    expect((await list(path.join(home, 'models', 'llama', '..'))).path).toBe(path.join(home, 'models'));
  });

  it('refuses a symbolic link that leads out of the allowed roots, and follows one that stays inside', async () => {
    const err = await refusal(list(path.join(home, 'escape')));
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(`it leads to ${outside}`) });
    expect((await refusal(list('~/escape/secret-model')))?.code).toBe('FORBIDDEN');
    const inside = await list('~/llama-link');
    expect(inside.path).toBe(path.join(home, 'models', 'llama'));
    expect(inside.kind).toBe('model');
  });

  it('browses the data folder and the roots named in LATHE_MODEL_ROOTS; refuses relative and missing paths', async () => {
    fs.mkdirSync(path.join(dataDir, 'models', 'copied'), { recursive: true });
    const data = await list(dataDir);
    expect(data.parent).toBeNull();
    expect(data.entries.map((e) => e.name)).toContain('models');

    expect((await refusal(list(outside)))?.code).toBe('FORBIDDEN');
    process.env.LATHE_MODEL_ROOTS = outside;
    const extra = await list(outside);
    expect(extra.entries).toEqual([expect.objectContaining({ name: 'secret-model', kind: 'model' })]);
    expect(extra.roots).toContainEqual({ label: 'outside', path: outside });

    expect(await refusal(list('models'))).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/not an absolute path/) });
    expect(await refusal(list('~/no-such-folder'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusal(list(path.join(home, 'models', 'notes.txt')))).toMatchObject({ code: 'INVALID_ARGUMENTS', message: expect.stringMatching(/is a file/) });
  });

  it('expands ~ wherever the engine takes a model path: the estimate and the model inspection', async () => {
    fs.mkdirSync(path.join(home, 'models', 'tiny'), { recursive: true });
    const config = {
      architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 64, intermediate_size: 176, num_attention_heads: 8, num_key_value_heads: 4,
      head_dim: 8, num_hidden_layers: 2, vocab_size: 512, max_position_embeddings: 512, tie_word_embeddings: false,
    };
    fs.writeFileSync(path.join(home, 'models', 'tiny', 'config.json'), JSON.stringify(config));
    const estimate = await engine.call('runs.estimate', { baseModelDir: '~/models/tiny', device: 'cpu' });
    expect(estimate.parameters).toBeGreaterThan(100_000);
    const missing = await refusal(engine.call('models.inspect', { path: '~/models/none' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: `Nothing found at ${path.join(home, 'models', 'none')}.` });
  });
});
