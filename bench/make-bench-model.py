"""A random-weight Llama (hidden 768, 12 layers, ~85M parameters) with the tiny model's tokenizer, written as F16
GGUF with llama.cpp's converter: big enough that the compute, not per-call overhead, dominates a benchmark.

    .venv/bin/python bench/make-bench-model.py <tiny-hf-dir> <llama.cpp source dir> <out.gguf>
"""
import json, shutil, subprocess, sys, os
from pathlib import Path
import torch
from transformers import LlamaConfig, LlamaForCausalLM

tiny, source, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
work = out.parent / "hf"
work.mkdir(parents=True, exist_ok=True)
cfg = json.loads((tiny / "config.json").read_text())
cfg.update(hidden_size=768, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=4, head_dim=64, max_position_embeddings=2048)
torch.manual_seed(0)
model = LlamaForCausalLM(LlamaConfig(**{k: v for k, v in cfg.items() if k not in ("architectures", "transformers_version", "dtype")}))
model.save_pretrained(work)
for f in tiny.iterdir():
    if f.name.startswith("tokenizer") or f.name in ("chat_template.jinja", "generation_config.json"):
        shutil.copy(f, work / f.name)
env = {**os.environ, "PYTHONPATH": str(source / "gguf-py")}
subprocess.run([sys.executable, str(source / "convert_hf_to_gguf.py"), str(work), "--outfile", str(out) + ".tmp", "--outtype", "f16"], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.replace(str(out) + ".tmp", out)
print(out)
