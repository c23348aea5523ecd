import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LatheError } from '../../shared/contract/errors.js';
import { findPythonEnv } from './python-env.js';

const run = promisify(execFile);

export interface GreedyAnswer { question: string; answer: string; reference: string; exact: boolean }
export interface GreedyEvalResult { base: GreedyAnswer[]; tuned: GreedyAnswer[]; baseExact: number; tunedExact: number; seconds: number }

/**
 * Greedy answers of the base model and of base + LoRA adapter to held-out chat examples, scored by exact match
 * after SQuAD-style normalisation (case, punctuation, articles, spaces). It runs transformers + peft from the
 * project's Python on the trainer's own adapter output — the same weights the run produced, no conversion.
 * (The GGUF-LoRA route through llama.cpp needs the registry's adapter converter; this path needs nothing new.)
 */
export async function greedyExactMatch(opts: { baseModelDir: string; adapterDir: string; questionsJsonl: string; maxNewTokens?: number; dataDir?: string }): Promise<GreedyEvalResult> {
  const { python } = findPythonEnv(opts.dataDir);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-greedy-'));
  const specPath = path.join(work, 'spec.json');
  const outPath = path.join(work, 'result.json');
  fs.writeFileSync(specPath, JSON.stringify({ base_model: opts.baseModelDir, adapter: opts.adapterDir, questions: opts.questionsJsonl, out: outPath, max_new_tokens: opts.maxNewTokens ?? 24 }));
  const t0 = Date.now();
  try {
    await run(python, ['-c', SCRIPT, specPath], {
      env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', OMP_NUM_THREADS: String(Math.max(1, os.availableParallelism() - 1)) },
      maxBuffer: 16 * 2 ** 20,
      timeout: 600_000,
    });
    const result = JSON.parse(fs.readFileSync(outPath, 'utf8')) as { base: GreedyAnswer[]; tuned: GreedyAnswer[] };
    const exact = (xs: GreedyAnswer[]) => xs.filter((x) => x.exact).length;
    return { ...result, baseExact: exact(result.base), tunedExact: exact(result.tuned), seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const tail = (e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ');
    throw new LatheError('TRAINER_FAILED', `Greedy evaluation failed: ${tail}`, 'Check the adapter folder and the Python environment (`lathe doctor`).');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function normaliseAnswer(s: string): string {
  return s.toLowerCase().replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '').replace(/\b(a|an|the)\b/g, ' ').split(/\s+/).filter(Boolean).join(' ');
}

const SCRIPT = String.raw`
import json, re, string, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from peft import PeftModel
spec = json.load(open(sys.argv[1]))
torch.manual_seed(0)
tok = AutoTokenizer.from_pretrained(spec["base_model"])
model = AutoModelForCausalLM.from_pretrained(spec["base_model"], dtype=torch.float32, use_safetensors=True)
model.eval()
rows = [json.loads(l) for l in open(spec["questions"], encoding="utf-8") if l.strip()]
def norm(s):
    s = "".join(ch for ch in s.lower() if ch not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", s).split())
def answers(m):
    out = []
    for r in rows:
        prompt = [x for x in r["messages"] if x["role"] != "assistant"]
        ref = [x for x in r["messages"] if x["role"] == "assistant"][-1]["content"]
        ids = tok.apply_chat_template(prompt, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        with torch.no_grad():
            g = m.generate(**ids, max_new_tokens=spec["max_new_tokens"], do_sample=False, eos_token_id=tok.eos_token_id, pad_token_id=tok.eos_token_id)
        text = tok.decode(g[0, ids["input_ids"].shape[1]:], skip_special_tokens=True).strip()
        out.append({"question": prompt[-1]["content"], "answer": text, "reference": ref, "exact": norm(text) == norm(ref)})
    return out
base = answers(model)
tuned = answers(PeftModel.from_pretrained(model, spec["adapter"]))
json.dump({"base": base, "tuned": tuned}, open(spec["out"], "w"))
`;
