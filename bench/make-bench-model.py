"""A random-weight Llama with the tiny model's tokenizer, written as F16 GGUF with llama.cpp's converter: big enough
that the compute, not per-call overhead, dominates a benchmark. "medium" (default): hidden 768, 12 layers, ~85M
parameters; "large": hidden 1536, 12 layers, ~300M parameters (a token costs about as much as in a small real model).

    .venv/bin/python bench/make-bench-model.py <tiny-hf-dir> <llama.cpp source dir> <out.gguf> [medium|large]
"""
import json, shutil, subprocess, sys, os
from pathlib import Path
import torch
from transformers import LlamaConfig, LlamaForCausalLM

tiny, source, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
size = sys.argv[4] if len(sys.argv) > 4 else "medium"
work = out.parent / ("hf" if size == "medium" else f"hf-{size}")
work.mkdir(parents=True, exist_ok=True)
cfg = json.loads((tiny / "config.json").read_text())
shapes = {
    "medium": dict(hidden_size=768, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=4, head_dim=64),
    "large": dict(hidden_size=1536, intermediate_size=4096, num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=4, head_dim=128),
}
cfg.update(**shapes[size], max_position_embeddings=2048)
torch.manual_seed(0)
model = LlamaForCausalLM(LlamaConfig(**{k: v for k, v in cfg.items() if k not in ("architectures", "transformers_version", "dtype")}))
(model.half() if size != "medium" else model).save_pretrained(work)
for f in tiny.iterdir():
    if f.name.startswith("tokenizer") or f.name in ("chat_template.jinja", "generation_config.json"):
        shutil.copy(f, work / f.name)
env = {**os.environ, "PYTHONPATH": str(source / "gguf-py")}
subprocess.run([sys.executable, str(source / "convert_hf_to_gguf.py"), str(work), "--outfile", str(out) + ".tmp", "--outtype", "f16"], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.replace(str(out) + ".tmp", out)
if size != "medium":
    shutil.rmtree(work)  # the HF copy (~600 MB) is only the converter's input
print(out)
