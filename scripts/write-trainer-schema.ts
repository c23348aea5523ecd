/** Writes resources/trainer/lathe_trainer/run_config.schema.json from src/shared/training/trainer-config.ts. */
import fs from 'node:fs';
import path from 'node:path';
import { trainerConfigJsonSchema } from '../src/shared/training/trainer-config.js';

export const SCHEMA_FILE = path.resolve('resources/trainer/lathe_trainer/run_config.schema.json');

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve('scripts/write-trainer-schema.ts')) {
  fs.writeFileSync(SCHEMA_FILE, `${JSON.stringify(trainerConfigJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${SCHEMA_FILE}`);
}
