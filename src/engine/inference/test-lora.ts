import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Test support: a GGUF LoRA for the tiny model, made with peft (random, non-zero B so it visibly changes the
 * answers) and llama.cpp's convert_lora_to_gguf.py from the cached source clone. ~15 s once, then cached
 * beside the tiny model. The registry's converter replaces this once it lands; this only feeds adapter tests.
 */
export function ensureTestLora(tinyGguf: string): string {
  const root = path.dirname(tinyGguf);
  const out = path.join(root, 'test-lora', 'random-lora.gguf');
  if (fs.existsSync(out)) return out;
  const hf = path.join(root, 'hf');
  const home = process.env.HOME ?? '/root';
  const cacheDir = path.join(home, '.cache', 'lathe', 'llama.cpp');
  const source = fs.readdirSync(cacheDir).map((d) => path.join(cacheDir, d)).find((d) => fs.existsSync(path.join(d, 'convert_lora_to_gguf.py')));
  if (!source) throw new Error(`no llama.cpp source with convert_lora_to_gguf.py under ${cacheDir}`);
  const python = path.resolve('.venv/bin/python');
  const work = path.join(root, 'test-lora');
  fs.mkdirSync(work, { recursive: true });
  const script = `
import sys, torch
from transformers import AutoModelForCausalLM
from peft import LoraConfig, get_peft_model
torch.manual_seed(0)
m = AutoModelForCausalLM.from_pretrained(sys.argv[1])
p = get_peft_model(m, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj","v_proj","o_proj","down_proj"], init_lora_weights=False))
with torch.no_grad():
    for n, w in p.named_parameters():
        if "lora_" in n: w.mul_(0).add_(torch.randn_like(w) * 0.5)
p.save_pretrained(sys.argv[2])
`;
  const env = { ...process.env, PYTHONPATH: path.join(source, 'gguf-py'), HF_HUB_OFFLINE: '1' };
  // Test files run in parallel processes and, on a fresh cache, each builds it: each in its own folder, then one
  // atomic rename (the adapter is seeded, so every builder's file is the same).
  const peft = path.join(work, `peft-${process.pid}`);
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(python, ['-c', script, hf, peft], { env, stdio: 'ignore' });
    execFileSync(python, [path.join(source, 'convert_lora_to_gguf.py'), '--base', hf, '--outfile', tmp, '--outtype', 'f32', peft], { env, stdio: 'ignore' });
    fs.renameSync(tmp, out);
  } finally {
    fs.rmSync(peft, { recursive: true, force: true });
    fs.rmSync(tmp, { force: true });
  }
  return out;
}
