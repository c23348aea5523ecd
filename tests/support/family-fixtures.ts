import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { findPythonEnv } from '../../src/engine/training/python-env.js';

/**
 * Test support for the family matrix (src/engine/models/family-matrix.test.ts): tiny random-weight HF folders of
 * real model families that llama.cpp's converter accepts (`lathe_trainer.testing.families`, convertible=True: the
 * real Llama 3 / Qwen tokenizers from the npm devDependencies, a sentencepiece tokenizer.model trained locally for
 * Mistral, Gemma and Phi-3), and the trainer's side of the parity check. Both run the trainer's Python, offline.
 */
export const MATRIX_FAMILIES = ['llama3', 'qwen2', 'qwen3', 'mistral', 'gemma2', 'gemma3', 'phi3'] as const;
export type MatrixFamily = (typeof MATRIX_FAMILIES)[number];

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

const run = promisify(execFile);

async function python(script: string, args: string[]): Promise<unknown> {
  const env = { ...process.env, PYTHONPATH: path.resolve('resources/trainer'), HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', PYTHONUNBUFFERED: '1' };
  const { stdout } = await run(findPythonEnv().python, ['-c', script, ...args], { env, maxBuffer: 64 << 20, timeout: 600_000 });
  const last = stdout.trim().split('\n').at(-1)!;
  return JSON.parse(last);
}

const BUILD = `
import json, sys
from lathe_trainer.testing.families import available, build_family
root, dtype, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
out = {}
for name in names:
    out[name] = str(build_family(name, f"{root}/{name}", dtype=dtype, convertible=True)) if available(name) else None
print(json.dumps(out))
`;

/** Builds every family into <root>/<name> in one Python process (a few seconds each); null: not in this transformers. */
export async function buildFamilyFixtures(root: string, names: readonly string[], dtype = 'bfloat16'): Promise<Record<string, string | null>> {
  return (await python(BUILD, [root, dtype, names.join(',')])) as Record<string, string | null>;
}

const ORACLE = `
import json, sys
from pathlib import Path
from transformers import AutoTokenizer
from lathe_trainer.export.reference import render_chat
from lathe_trainer.testing.families import FAMILIES, as_trained
from lathe_trainer.train.data import encode_sft, read_jsonl
args = json.loads(sys.argv[1])
run = json.loads((Path(args["runDir"]) / "run.json").read_text(encoding="utf-8"))
conversation = args["conversation"]
rows = [row.messages for row in read_jsonl(run["data"]["train"][0], "sft")]  # Chat rows: messages + tools
if conversation not in rows:
    raise SystemExit("the conversation is not in the run's training data")
tokenizer = AutoTokenizer.from_pretrained(run["base_model"], local_files_only=True)
trained = encode_sft(tokenizer, conversation, run["max_seq_len"])
prompt = render_chat(Path(args["hfDir"]), as_trained(args["family"], conversation)[:-1])
# After the prompt: what the template writes before the reply (not trained), then the trained run.
ids, labels, at = trained.input_ids, trained.labels, len(prompt["tokens"])
first = next((i for i in range(at, len(ids)) if labels[i] != -100), len(ids))
end = next((i for i in range(first, len(ids)) if labels[i] == -100), len(ids))
print(json.dumps({"promptIds": prompt["tokens"], "promptText": prompt["text"], "trainedIds": ids, "labels": labels,
                  "notes": list(trained.notes), "gap": tokenizer.decode(ids[at:first]),
                  "gapPieces": tokenizer.convert_ids_to_tokens(ids[at:first]), "trainedRun": tokenizer.decode(ids[first:end]),
                  "trainedAfterRun": any(label != -100 for label in labels[end:]),
                  "endOfTurn": FAMILIES[args["family"]].end_of_turn}))
`;

export interface TrainerOracle {
  /** apply_chat_template(as_trained(conversation)[:-1], add_generation_prompt=True) of `hfDir`: the prompt for the last reply. */
  promptIds: number[];
  promptText: string;
  /** The ids and labels the trainer trains on for the whole conversation (its own encode_sft, the run's base and max_seq_len). */
  trainedIds: number[];
  labels: number[];
  notes: string[];
  /** After the prompt: the tokens the template writes before the last reply (not trained), decoded and as pieces. */
  gap: string;
  gapPieces: string[];
  /** The trained run that follows: the last reply and its end-of-turn token, decoded. */
  trainedRun: string;
  /** Whether anything after that run is trained (it must not be). */
  trainedAfterRun: boolean;
  /** The family's end-of-turn token. */
  endOfTurn: string;
}

/** The trainer's encoding of `conversation` as the run trained on it, and the family's prompt for its last reply. */
export async function trainerOracle(o: { family: string; runDir: string; hfDir: string; conversation: ChatMessage[] }): Promise<TrainerOracle> {
  return (await python(ORACLE, [JSON.stringify(o)])) as TrainerOracle;
}
