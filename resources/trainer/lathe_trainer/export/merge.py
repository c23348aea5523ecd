"""Merge a LoRA adapter into its base model with peft's merge_and_unload and save safetensors.

The merged folder gets the base's tokenizer files and chat template, so it is a complete HF model folder that
vLLM, TGI or transformers can load without the adapter. Written to a staging folder and renamed at the end:
an interrupted merge never leaves a half-written model behind.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..hashing import sha256_file
from ..no_remote_code import refuse_custom_code
from ..protocol import LatheError, ProtocolWriter, log

TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                   "vocab.json", "merges.txt", "added_tokens.json", "chat_template.jinja", "chat_template.json",
                   "generation_config.json")
DTYPES = ("auto", "float32", "bfloat16", "float16")


def _torch_dtype(name: str, base_dir: Path):
    import json

    import torch

    if name == "auto":
        config = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
        name = str(config.get("torch_dtype") or config.get("dtype") or "float32")
    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}.get(name, torch.float32), name


def load_base_and_adapter(base_dir: Path, adapter_dir: Path, dtype=None):
    """The base with the adapter attached (not merged), in eval mode; fp32 unless told otherwise."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    for folder, what in ((base_dir, "base model"), (adapter_dir, "adapter")):
        if not folder.is_dir():
            raise LatheError("not_found", f"The {what} folder {folder} does not exist.", f"Check the {what} path and try again.")
    if not (adapter_dir / "adapter_config.json").is_file():
        raise LatheError("not_an_adapter", f"{adapter_dir} has no adapter_config.json.",
                         "Pick the adapter folder a training run wrote (it holds adapter_config.json and adapter_model.safetensors).")
    refuse_custom_code(base_dir)
    refuse_custom_code(adapter_dir)
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=dtype or torch.float32, local_files_only=True,
                                                use_safetensors=True, trust_remote_code=False)
    model = PeftModel.from_pretrained(base, adapter_dir, is_trainable=False, local_files_only=True)
    model.eval()
    return model


def merge_adapter(writer: ProtocolWriter, base_dir: Path, adapter_dir: Path, out_dir: Path, dtype_name: str = "auto") -> dict:
    if out_dir.exists() and any(out_dir.iterdir()):
        raise LatheError("output_exists", f"{out_dir} already exists and is not empty.",
                         "Choose a new output folder; Lathe never overwrites an export.")
    refuse_custom_code(base_dir)  # before _torch_dtype reads config.json (see no_remote_code)
    refuse_custom_code(adapter_dir)
    dtype, resolved = _torch_dtype(dtype_name, base_dir)
    writer.progress("merge", 0.05, "Loading base model and adapter")
    # Merge in fp32 so the fold itself adds no rounding, then cast once to the saved dtype.
    model = load_base_and_adapter(base_dir, adapter_dir)
    writer.progress("merge", 0.4, "Folding the adapter into the base weights")
    merged = model.merge_and_unload()
    merged = merged.to(dtype)
    staging = out_dir.with_name(f"{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        writer.progress("merge", 0.6, "Writing safetensors")
        merged.save_pretrained(staging, safe_serialization=True)
        for name in TOKENIZER_FILES:
            if (base_dir / name).is_file() and not (staging / name).exists():
                shutil.copy2(base_dir / name, staging / name)
        for pickle in list(staging.glob("*.bin")):
            pickle.unlink()  # never ship pickles, even if a library wrote one
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if out_dir.exists():
            out_dir.rmdir()
        os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sorted(p.name for p in out_dir.iterdir() if p.is_file())
    writer.progress("merge", 1.0, "Merged")
    log(f"merged {adapter_dir} into {base_dir} -> {out_dir} ({resolved})")
    return {"out": str(out_dir), "dtype": resolved, "files": [{"path": f, "sha256": sha256_file(out_dir / f)} for f in files]}
