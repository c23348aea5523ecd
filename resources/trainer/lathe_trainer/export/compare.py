"""Logits of a merged model against base+adapter (unmerged), on a few prompts, always computed in fp32.

Two things can go wrong in a merge, and each gets its own exact check:
1. the fold itself (W + scale·B·A): base+adapter folded in fp32 must give the unmerged logits to float rounding
   (max |Δlogit| < 1e-4);
2. the saved file: the merged folder, loaded and computed in fp32, must give exactly the logits of that fp32
   fold rounded once to the saved dtype (< 1e-4 again) — a bf16/fp16 file holds rounded weights, so comparing
   it with the unrounded model would mistake the rounding for a broken merge.
What the rounding itself changes (saved dtype vs fp32) is measured and reported, not judged: it is the cost of
the dtype the user chose.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..no_remote_code import refuse_custom_code
from ..protocol import LatheError, ProtocolWriter
from .merge import load_base_and_adapter

DEFAULT_PROMPTS = ("Hello, who are you?", "Summarise the policy in one sentence.", "What is 2 + 2?")
FP32_TOLERANCE = 1e-4


def _saved_dtype(merged_dir: Path) -> str:
    config = json.loads((merged_dir / "config.json").read_text(encoding="utf-8"))
    return str(config.get("dtype") or config.get("torch_dtype") or "float32")


def _logits(model, batches) -> list:
    import torch

    with torch.no_grad():
        return [model(input_ids=ids).logits.float() for ids in batches]


def _max_diff(a: list, b: list) -> list[float]:
    return [(x - y).abs().max().item() for x, y in zip(a, b)]


def compare_logits(writer: ProtocolWriter, base_dir: Path, adapter_dir: Path, merged_dir: Path,
                   prompts: list[str] | None = None, tolerance: float = FP32_TOLERANCE) -> dict:
    if not (merged_dir / "config.json").is_file():
        raise LatheError("not_found", f"{merged_dir} is not a merged model folder (no config.json).",
                         "Pass the folder the merge wrote.")
    for folder in (base_dir, adapter_dir, merged_dir):
        refuse_custom_code(folder)  # before torch and transformers are even imported
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    prompts = list(prompts or DEFAULT_PROMPTS)
    dtype_name = _saved_dtype(merged_dir)
    dtype = {"bfloat16": torch.bfloat16, "float16": torch.float16}.get(dtype_name, torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(merged_dir, local_files_only=True, trust_remote_code=False)
    batches = [tokenizer(p, return_tensors="pt").input_ids for p in prompts]

    writer.progress("compare", 0.1, "Loading base + adapter (fp32)")
    reference = load_base_and_adapter(base_dir, adapter_dir)
    unmerged = _logits(reference, batches)
    writer.progress("compare", 0.35, "Folding the adapter in fp32")
    folded = reference.merge_and_unload()
    folded_fp32 = _logits(folded, batches)
    fold_diffs = _max_diff(unmerged, folded_fp32)
    if dtype != torch.float32:
        # The one rounding a saved bf16/fp16 file carries: of the weights only. (Casting the whole module would
        # also round buffers such as RoPE's inv_freq, which a file does not hold and a load recomputes in fp32.)
        with torch.no_grad():
            for p in folded.parameters():
                p.copy_(p.to(dtype).to(torch.float32))
        expected = _logits(folded, batches)
    else:
        expected = folded_fp32
    del folded, reference

    writer.progress("compare", 0.6, f"Loading the merged model ({dtype_name} weights, computed in fp32)")
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32, local_files_only=True, use_safetensors=True,
                                                  trust_remote_code=False)
    merged.eval()
    got = _logits(merged, batches)
    file_diffs = _max_diff(expected, got)
    rounding = _max_diff(unmerged, got)

    results = []
    for i, prompt in enumerate(prompts):
        same_argmax = bool(torch.equal(unmerged[i].argmax(-1), got[i].argmax(-1)))
        results.append({"prompt": prompt, "tokens": int(batches[i].shape[1]), "max_abs_diff": max(fold_diffs[i], file_diffs[i]),
                        "fold_max_abs_diff": fold_diffs[i], "file_max_abs_diff": file_diffs[i],
                        "rounding_max_abs_diff": rounding[i], "same_argmax": same_argmax})
    writer.progress("compare", 1.0, f"Fold max |Δlogit| {max(fold_diffs):.2e}, file {max(file_diffs):.2e}")
    worst = max(r["max_abs_diff"] for r in results)
    return {"prompts": results, "max_abs_diff": worst, "tolerance": tolerance, "passed": worst < tolerance,
            "dtype": dtype_name, "rounding_max_abs_diff": max(rounding)}
