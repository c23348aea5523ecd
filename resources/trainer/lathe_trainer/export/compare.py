"""Logits of a merged model against base+adapter (unmerged), on a few prompts, in fp32.

The merge is exact algebra (W + scale·B·A), so in fp32 the two differ only by float rounding: the default
tolerance is a max absolute logit difference of 1e-4. A merged model saved in bf16/fp16 is compared with a
looser tolerance (its weights were rounded to 8/11 mantissa bits), which the caller passes explicitly.
"""

from __future__ import annotations

from pathlib import Path

from ..protocol import LatheError, ProtocolWriter
from .merge import load_base_and_adapter

DEFAULT_PROMPTS = ("Hello, who are you?", "Summarise the policy in one sentence.", "What is 2 + 2?")
FP32_TOLERANCE = 1e-4


def compare_logits(writer: ProtocolWriter, base_dir: Path, adapter_dir: Path, merged_dir: Path,
                   prompts: list[str] | None = None, tolerance: float = FP32_TOLERANCE) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not (merged_dir / "config.json").is_file():
        raise LatheError("not_found", f"{merged_dir} is not a merged model folder (no config.json).",
                         "Pass the folder the merge wrote.")
    prompts = list(prompts or DEFAULT_PROMPTS)
    tokenizer = AutoTokenizer.from_pretrained(merged_dir, local_files_only=True)
    writer.progress("compare", 0.1, "Loading base + adapter")
    reference = load_base_and_adapter(base_dir, adapter_dir)
    writer.progress("compare", 0.4, "Loading the merged model")
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32, local_files_only=True, use_safetensors=True)
    merged.eval()
    results = []
    with torch.no_grad():
        for i, prompt in enumerate(prompts):
            ids = tokenizer(prompt, return_tensors="pt").input_ids
            a = reference(input_ids=ids).logits.float()
            b = merged(input_ids=ids).logits.float()
            diff = (a - b).abs().max().item()
            same_argmax = bool(torch.equal(a.argmax(-1), b.argmax(-1)))
            results.append({"prompt": prompt, "tokens": int(ids.shape[1]), "max_abs_diff": diff, "same_argmax": same_argmax})
            writer.progress("compare", 0.4 + 0.6 * (i + 1) / len(prompts), f"Prompt {i + 1}/{len(prompts)}: max |Δlogit| {diff:.2e}")
    worst = max(r["max_abs_diff"] for r in results)
    return {"prompts": results, "max_abs_diff": worst, "tolerance": tolerance, "passed": worst < tolerance,
            "dtype": "float32"}
