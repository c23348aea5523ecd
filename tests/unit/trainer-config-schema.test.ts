import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_SCHEMA_FILE, SCHEMA_FILE } from '../../scripts/write-trainer-schema.js';
import { trainerConfigJsonSchema, trainerConfigSchema } from '../../src/shared/training/trainer-config.js';
import { trainerLineJsonSchema } from '../../src/shared/training/trainer-events.js';

const python = path.resolve('.venv/bin/python');
const trainer = path.resolve('resources/trainer');
type Props = Record<string, { enum?: string[]; anyOf?: Array<{ enum?: string[] }>; properties?: Props }>;

/** What config.py accepts, read from the module itself: its keys and its choices. */
function pythonSide(): { keys: string[]; lora: string[]; enums: Record<string, string[]> } {
  const code = `
import json
from lathe_trainer.train import config as c
keys = sorted(set(c.RunConfig.__dataclass_fields__) - {"train_files", "validation_files", "attn_requested"} | {"data"})
enums = {"method": c.METHODS, "objective": c.OBJECTIVES, "schedule": c.SCHEDULES, "device": c.DEVICES,
         "precision": c.PRECISIONS, "attn_implementation": c.ATTENTION, "sharding": c.SHARDING}
print(json.dumps({"keys": keys, "lora": sorted(c.LoraSettings.__dataclass_fields__), "enums": {k: list(v) for k, v in enums.items()}}))`;
  return JSON.parse(execFileSync(python, ['-c', code], { env: { ...process.env, PYTHONPATH: trainer }, encoding: 'utf8' })) as never;
}

describe('one run.json schema across the Python boundary', () => {
  it('is committed as JSON Schema exactly as the zod definition generates it', () => {
    const stored = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as unknown;
    expect(stored, 'run_config.schema.json is stale: run `npx tsx scripts/write-trainer-schema.ts`').toEqual(trainerConfigJsonSchema());
  });

  it('names the same keys and choices as config.py', () => {
    const props = (trainerConfigJsonSchema() as { properties: Props }).properties;
    const py = pythonSide();
    expect(Object.keys(props).sort()).toEqual(py.keys);
    const lora = (props.lora!.anyOf?.find((x) => 'properties' in x) as { properties?: Props } | undefined)?.properties ?? props.lora!.properties!;
    expect(Object.keys(lora).sort()).toEqual(py.lora);
    for (const [key, choices] of Object.entries(py.enums)) expect([...(props[key]!.enum ?? [])].sort(), key).toEqual([...choices].sort());
  });

  it('a run.json using every key is accepted by config.py (types and bounds agree)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-schema-'));
    fs.writeFileSync(path.join(dir, 'train.jsonl'), '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}\n');
    const full = {
      base_model: dir, output_dir: path.join(dir, 'out'), method: 'lora', objective: 'sft', data: { train: ['train.jsonl'], validation: null }, preference: null,
      lora: { rank: 8, alpha: 16, dropout: 0.1, target_modules: ['q_proj', 'v_proj'] }, max_seq_len: 128, micro_batch_size: 2, grad_accum: 2,
      lr: 0.001, schedule: 'linear', warmup_steps: 1, max_steps: 10, epochs: null, eval_every: 5, eval_at_start: true, checkpoint_every: 5,
      keep_checkpoints: 2, seed: 7, device: 'cpu', weight_decay: 0.01, grad_clip: 1, min_lr_ratio: 0.1, precision: 'fp32', gradient_checkpointing: true,
      attn_implementation: 'eager', compile: false, packing: true, devices: 1, nodes: 1, sharding: 'ddp', heartbeat_seconds: 5,
      debug_inject_nan_at_step: null, debug_stop_after_step: 3, debug_fake_oom_at_step: null,
    };
    expect(Object.keys(full).sort()).toEqual(Object.keys((trainerConfigJsonSchema() as { properties: Props }).properties).filter((k) => k !== 'recipe').sort());
    expect(trainerConfigSchema.safeParse(full).success).toBe(true);
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(full));
    const loaded = execFileSync(python, ['-c', `from pathlib import Path; from lathe_trainer.train.config import load_config; c = load_config(Path(${JSON.stringify(path.join(dir, 'run.json'))})); print(c.keep_checkpoints, c.lora.rank, c.attn_implementation)`], { env: { ...process.env, PYTHONPATH: trainer }, encoding: 'utf8' });
    expect(loaded.trim()).toBe('2 8 eager');
  });
});

describe('one trainer protocol across the Python boundary', () => {
  it('is committed as JSON Schema exactly as the zod definition generates it (the trainer tests check every line against it)', () => {
    const stored = JSON.parse(fs.readFileSync(PROTOCOL_SCHEMA_FILE, 'utf8')) as unknown;
    expect(stored, 'protocol.schema.json is stale: run `npx tsx scripts/write-trainer-schema.ts`').toEqual(trainerLineJsonSchema());
  });

  it('covers every line type protocol.py documents', () => {
    const doc = execFileSync(python, ['-c', 'import lathe_trainer.protocol as p; print(p.__doc__)'], { env: { ...process.env, PYTHONPATH: trainer }, encoding: 'utf8' });
    const documented = [...doc.matchAll(/^ {2}([a-z]+) +[{(]/gm)].map((m) => m[1]!);
    const defined = (trainerLineJsonSchema() as { oneOf: Array<{ properties: { type: { const: string } } }> }).oneOf.map((s) => s.properties.type.const);
    expect(documented.length).toBeGreaterThan(4);
    for (const type of documented) expect(defined, `protocol.py documents "${type}"`).toContain(type);
  });
});
