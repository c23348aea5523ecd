"""Real model families through the trainer: attention choice per family, a LoRA step on every family in
process, and short `train` runs from bf16 bases (Llama 3, Gemma 2) the way the engine starts them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TRAINER_DIR, run_trainer
from lathe_trainer.protocol import LatheError
from lathe_trainer.testing.families import FAMILIES, as_trained, available, build_family
from lathe_trainer.train.config import LoraSettings, load_config
from lathe_trainer.train.model import resolve_attention

SAMPLE_QA = TRAINER_DIR.parent / "samples" / "northwind-qa.jsonl"
NAMES = [name for name in FAMILIES if available(name)]


@pytest.fixture(scope="module")
def family_dirs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("families")
    return {name: build_family(name, root / name) for name in NAMES}


def _run_json(folder: Path, base: Path, **overrides) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [json.loads(line) for line in SAMPLE_QA.read_text(encoding="utf-8").splitlines()[:4]]
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = {"base_model": str(base), "output_dir": str(folder / "out"), "method": "lora", "objective": "sft",
              "data": {"train": ["train.jsonl"], "validation": None}, "lora": {"rank": 4, "alpha": 8, "dropout": 0.0},
              "max_seq_len": 512, "micro_batch_size": 2, "grad_accum": 1, "lr": 0.01, "max_steps": 2, "seed": 1,
              "device": "cpu", "heartbeat_seconds": 0}
    config.update(overrides)
    (folder / "run.json").write_text(json.dumps(config), encoding="utf-8")
    return folder / "run.json"


def test_attn_implementation_auto_is_eager_for_gemma2_and_sdpa_elsewhere(family_dirs, tmp_path):
    for name, folder in family_dirs.items():
        config = load_config(_run_json(tmp_path / name, folder))
        assert config.attn_implementation == ("eager" if name == "gemma2" else "sdpa"), name
        assert resolve_attention(folder, "auto", "cpu") == config.attn_implementation
    gemma2 = family_dirs["gemma2"]
    for explicit in ("eager", "flash_attention_2"):
        assert load_config(_run_json(tmp_path / explicit, gemma2, attn_implementation=explicit)).attn_implementation == explicit
    with pytest.raises(LatheError) as caught:
        load_config(_run_json(tmp_path / "sdpa", gemma2, attn_implementation="sdpa"))
    assert caught.value.code == "bad_config" and "`attn_implementation`" in caught.value.message
    assert "\"eager\"" in caught.value.hint
    with pytest.raises(LatheError) as caught:  # and a caller that skips load_config
        resolve_attention(gemma2, "sdpa", "cpu")
    assert caught.value.code == "attention_unsupported"
    with pytest.raises(LatheError) as caught:
        resolve_attention(family_dirs["llama3"], "flash_attention_2", "cpu")
    assert caught.value.code == "attention_unsupported" and "CUDA" in caught.value.message


def test_auto_attention_is_flash_attention_2_on_cuda_when_installed_simulated(family_dirs, monkeypatch):
    """The GPU and flash-attn are simulated (neither exists here): only the choice is tested."""
    from lathe_trainer.train import model

    monkeypatch.setattr(model, "_flash_attn_installed", lambda: True)
    assert model.auto_attention(family_dirs["llama3"], "cuda") == "flash_attention_2"
    assert model.auto_attention(family_dirs["llama3"], "cpu") == "sdpa"
    assert model.auto_attention(family_dirs["gemma2"], "cuda") == "eager"  # soft-capping: kept on eager
    monkeypatch.setenv(model.NO_FLASH_ENV, "1")
    assert model.auto_attention(family_dirs["llama3"], "cuda") == "sdpa"
    monkeypatch.delenv(model.NO_FLASH_ENV)
    monkeypatch.setattr(model, "_flash_attn_installed", lambda: False)
    assert model.auto_attention(family_dirs["llama3"], "cuda") == "sdpa"


def test_sft_packs_by_default_where_the_family_keeps_packed_examples_apart(family_dirs, tmp_path, monkeypatch):
    for name, folder in family_dirs.items():
        assert load_config(_run_json(tmp_path / name, folder)).packing is True, name
    llama = family_dirs["llama3"]
    assert load_config(_run_json(tmp_path / "off", llama, packing=False)).packing is False
    assert load_config(_run_json(tmp_path / "dpo", llama, objective="dpo")).packing is False
    # A model class whose module builds its own mask (no masking_utils) would let packed examples see each other.
    import transformers.models.llama.modeling_llama as modeling_llama

    monkeypatch.delattr(modeling_llama, "create_causal_mask")
    assert load_config(_run_json(tmp_path / "own-mask", llama)).packing is False
    assert load_config(_run_json(tmp_path / "own-mask-cpt", llama, objective="cpt")).packing is True


@pytest.mark.parametrize("name", NAMES)
def test_packed_rows_give_every_family_the_loss_of_padded_rows(family_dirs, name):
    """What makes packing the SFT default: for each family (its own attention: sliding windows, soft-capping,
    eager for Gemma 2), a packed row of three conversations scores exactly as the same conversations padded."""
    import torch
    import torch.nn.functional as F
    from transformers import AutoTokenizer

    from lathe_trainer.train.data import IGNORE_INDEX, collate, encode_sft
    from lathe_trainer.train.model import load_model

    folder = family_dirs[name]
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    rows = [json.loads(line)["messages"] for line in SAMPLE_QA.read_text(encoding="utf-8").splitlines()[:3]]
    examples = [encode_sft(tok, r, 512) for r in rows]
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    model = load_model(folder, "full", LoraSettings(), "cpu", "fp32", "auto").float().eval()

    def summed_loss(batch) -> float:
        with torch.no_grad():
            logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                           position_ids=batch.position_ids, use_cache=False).logits[:, :-1].float()
        return float(F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.labels[:, 1:].reshape(-1),
                                     ignore_index=IGNORE_INDEX, reduction="sum"))

    packed, padded = collate(examples, pad, packed=True), collate(examples, pad, packed=False)
    assert packed.input_ids.shape[0] == 1 and packed.label_count == padded.label_count
    assert summed_loss(packed) == pytest.approx(summed_loss(padded), rel=1e-4, abs=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_every_family_takes_a_lora_step_on_its_own_template(family_dirs, name):
    import torch

    from transformers import AutoTokenizer

    from lathe_trainer.train.data import collate, encode_sft
    from lathe_trainer.train.model import load_model

    folder = family_dirs[name]
    assert json.loads((folder / "config.json").read_text())["dtype"] == "bfloat16"
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    rows = [json.loads(line)["messages"] for line in SAMPLE_QA.read_text(encoding="utf-8").splitlines()[:2]]
    batch = collate([encode_sft(tok, r, 512) for r in rows], tok.pad_token_id if tok.pad_token_id is not None
                    else tok.eos_token_id)
    torch.manual_seed(0)
    model = load_model(folder, "lora", LoraSettings(rank=4, alpha=8, dropout=0.0), "cpu", "fp32", "auto")
    assert model.base_model.model.config._attn_implementation == ("eager" if name == "gemma2" else "sdpa")
    out = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, labels=batch.labels, use_cache=False)
    assert torch.isfinite(out.loss)
    out.loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad and p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("name", ["llama3", "gemma2"])
def test_sft_lora_run_from_a_bf16_base_finishes(family_dirs, tmp_path, name):
    from transformers import AutoTokenizer

    folder = family_dirs[name]
    assert json.loads((folder / "config.json").read_text())["dtype"] == "bfloat16"
    run = run_trainer("train", "--config", str(_run_json(tmp_path, folder)), env={"HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    done = run.last
    assert done["type"] == "done" and done["payload"]["steps"] == 2 and done["payload"]["completed"], run.lines
    assert all(m["loss"] == m["loss"] and m["loss"] > 0 for m in run.of_type("metrics"))  # finite
    assert (Path(done["payload"]["adapter_dir"]) / "adapter_model.safetensors").is_file()
    # 2 steps x 2 samples = the 4 examples once: the tokens trained on are exactly the template's, one BOS each.
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    rows = [json.loads(line)["messages"] for line in SAMPLE_QA.read_text(encoding="utf-8").splitlines()[:4]]
    expected = 0
    for messages in rows:
        ids = tok.apply_chat_template(as_trained(name, messages), tokenize=True)
        expected += len(ids["input_ids"] if hasattr(ids, "keys") else ids)
    assert done["payload"]["tokens"] == expected
    if name == "gemma2":
        assert "system message merged into the first user turn" in run.stderr
