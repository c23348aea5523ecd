"""Merging an adapter into its base (peft merge_and_unload) and the logits check, on the tiny model (CPU)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TRAINER_DIR, assert_error, parse_protocol, trainer_env, TrainerRun


def run_export(*args: str, timeout: float = 240) -> TrainerRun:
    result = subprocess.run([sys.executable, "-m", "lathe_trainer.export", *args], cwd=TRAINER_DIR, env=trainer_env(),
                            capture_output=True, text=True, timeout=timeout)
    return TrainerRun(result.returncode, parse_protocol(result.stdout), result.stderr, 0.0)


@pytest.fixture(scope="module")
def random_adapter(tiny_hf: Path, tmp_path_factory) -> Path:
    """A LoRA adapter with non-zero B (init_lora_weights=False), so merging really changes the weights."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(tiny_hf, dtype=torch.float32, local_files_only=True)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"], init_lora_weights=False)
    model = get_peft_model(base, config)
    out = tmp_path_factory.mktemp("adapter") / "adapter"
    model.save_pretrained(out, safe_serialization=True)
    return out


def test_merge_writes_safetensors_with_tokenizer_and_matches_base_plus_adapter(tiny_hf: Path, random_adapter: Path, tmp_path: Path):
    out = tmp_path / "merged"
    run = run_export("merge", "--base", str(tiny_hf), "--adapter", str(random_adapter), "--out", str(out))
    assert run.returncode == 0, run.stderr[-3000:]
    done = run.last["payload"]
    names = {f["path"] for f in done["files"]}
    assert "model.safetensors" in names and "config.json" in names and "tokenizer.json" in names and "chat_template.jinja" in names
    assert not any(n.endswith(".bin") for n in names)
    assert not (out / "adapter_config.json").exists()
    assert done["dtype"] == "float32"
    assert [p["fraction"] for p in run.of_type("progress")][-1] == 1.0

    check = run_export("compare-logits", "--base", str(tiny_hf), "--adapter", str(random_adapter), "--merged", str(out))
    assert check.returncode == 0, check.stderr[-3000:]
    result = check.last["payload"]
    assert result["tolerance"] == 1e-4
    assert result["passed"], result
    assert len(result["prompts"]) == 3 and all(p["same_argmax"] for p in result["prompts"])


def test_compare_fails_when_the_merged_model_is_not_base_plus_adapter(tiny_hf: Path, random_adapter: Path):
    # The base itself is not base+adapter: the check must notice (it can fail).
    check = run_export("compare-logits", "--base", str(tiny_hf), "--adapter", str(random_adapter), "--merged", str(tiny_hf))
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.last["payload"]["passed"] is False
    assert check.last["payload"]["max_abs_diff"] > 1e-3


def test_merge_refuses_a_folder_without_adapter_config_and_an_existing_output(tiny_hf: Path, random_adapter: Path, tmp_path: Path):
    assert_error(run_export("merge", "--base", str(tiny_hf), "--adapter", str(tiny_hf), "--out", str(tmp_path / "m")), "not_an_adapter")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("keep me")
    assert_error(run_export("merge", "--base", str(tiny_hf), "--adapter", str(random_adapter), "--out", str(taken)), "output_exists")
    assert (taken / "x").read_text() == "keep me"


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_merge_saved_in_half_precision_is_checked_against_the_rounded_fold_not_refused(tiny_hf: Path, random_adapter: Path, tmp_path: Path, dtype: str):
    # Every family ships bf16: the saved file holds rounded weights, so it must be compared with the fp32 fold
    # rounded once to that dtype (exact), while the rounding's own effect is reported, not judged.
    out = tmp_path / "merged"
    run = run_export("merge", "--base", str(tiny_hf), "--adapter", str(random_adapter), "--out", str(out), "--dtype", dtype)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.last["payload"]["dtype"] == dtype
    assert json.loads((out / "config.json").read_text()).get("dtype", json.loads((out / "config.json").read_text()).get("torch_dtype")) == dtype
    check = run_export("compare-logits", "--base", str(tiny_hf), "--adapter", str(random_adapter), "--merged", str(out))
    assert check.returncode == 0, check.stderr[-3000:]
    result = check.last["payload"]
    assert result["dtype"] == dtype
    assert result["passed"], result
    assert all(p["fold_max_abs_diff"] < 1e-4 and p["file_max_abs_diff"] < 1e-4 for p in result["prompts"])
    # the rounding is real and measured (an fp32 comparison would have refused it)
    assert result["rounding_max_abs_diff"] > 1e-4


def test_a_half_precision_file_that_is_not_the_fold_still_fails(tiny_hf: Path, random_adapter: Path, tmp_path: Path):
    # The base saved in bf16 is not base+adapter: loosening for the dtype must not hide a missing adapter.
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    wrong = tmp_path / "wrong"
    AutoModelForCausalLM.from_pretrained(tiny_hf, dtype=torch.bfloat16, local_files_only=True).save_pretrained(wrong)
    AutoTokenizer.from_pretrained(tiny_hf, local_files_only=True).save_pretrained(wrong)
    check = run_export("compare-logits", "--base", str(tiny_hf), "--adapter", str(random_adapter), "--merged", str(wrong))
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.last["payload"]["dtype"] == "bfloat16"
    assert check.last["payload"]["passed"] is False


def test_reference_prompt_without_a_chat_template_carries_its_bos_in_the_text(tiny_hf: Path):
    # llama.cpp tokenises the reference text with special tokens parsed and adds nothing: a BOS in the ids must
    # also be in the text, once, or every GGUF of a template-less base would be refused as "tokenises differently".
    from transformers import AutoTokenizer

    from lathe_trainer.export.reference import PROMPT, render_prompt

    tokenizer = AutoTokenizer.from_pretrained(tiny_hf, local_files_only=True)
    tokenizer.chat_template = None
    text, ids = render_prompt(tokenizer)
    assert ids.count(tokenizer.bos_token_id) == (1 if tokenizer.bos_token_id is not None and ids[0] == tokenizer.bos_token_id else 0)
    assert tokenizer(text, add_special_tokens=False)["input_ids"] == ids
    assert text.endswith(PROMPT)
