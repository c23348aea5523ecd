/**
 * Writes the trainer's two JSON Schemas from their zod definitions: run_config.schema.json (run.json, from
 * src/shared/training/trainer-config.ts) and protocol.schema.json (the stdout lines, from trainer-events.ts).
 * tests/unit/trainer-config-schema.test.ts fails when either file is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { trainerConfigJsonSchema } from '../src/shared/training/trainer-config.js';
import { trainerLineJsonSchema } from '../src/shared/training/trainer-events.js';

export const SCHEMA_FILE = path.resolve('resources/trainer/lathe_trainer/run_config.schema.json');
export const PROTOCOL_SCHEMA_FILE = path.resolve('resources/trainer/lathe_trainer/protocol.schema.json');

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve('scripts/write-trainer-schema.ts')) {
  for (const [file, schema] of [[SCHEMA_FILE, trainerConfigJsonSchema()], [PROTOCOL_SCHEMA_FILE, trainerLineJsonSchema()]] as const) {
    fs.writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote ${file}`);
  }
}
