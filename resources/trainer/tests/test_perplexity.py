"""`perplexity`: held-out loss on the tiny model (CPU): ppl = exp(loss), the sliding window matches a per-token
reference computation, an adapter changes the loss, bad input is a clear error."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from conftest import SAMPLE_CORPUS, assert_error, run_trainer


def _write(tmp_path: Path, rows: list[dict], name: str = "heldout.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _ppl(tmp_path: Path, **config) -> dict:
    cfg = tmp_path / "ppl.json"
    cfg.write_text(json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in config.items()}), encoding="utf-8")
    run = run_trainer("perplexity", "--config", str(cfg), timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.lines[0]["type"] == "hello" and run.lines[0]["command"] == "perplexity"
    assert run.last["type"] == "done", run.lines
    return run.last["payload"]


@pytest.fixture(scope="module")
def long_text() -> str:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SAMPLE_CORPUS.glob("*.txt")))
    return text[:1500]


@pytest.fixture(scope="module")
def adapter(tiny_hf: Path, tmp_path_factory) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(tiny_hf, dtype=torch.float32, local_files_only=True)
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    out = tmp_path_factory.mktemp("ppl-adapter") / "adapter"
    model.save_pretrained(out, safe_serialization=True)
    return out


def _reference_nll(tiny_hf: Path, ids: list[int], max_len: int, stride: int) -> tuple[float, int]:
    """Token by token: each token's NLL given exactly the context its window gives it."""
    import torch
    from transformers import AutoModelForCausalLM

    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from lathe_trainer.perplexity import windows

    model = AutoModelForCausalLM.from_pretrained(tiny_hf, dtype=torch.float32, local_files_only=True).eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for begin, end, first in windows(len(ids), max_len, stride):
            for pos in range(first, end):
                logits = model(input_ids=torch.tensor([ids[begin:pos]])).logits[0, -1]
                total += -torch.log_softmax(logits.float(), -1)[ids[pos]].item()
                count += 1
    return total, count


def test_ppl_is_exp_loss_and_sliding_window_matches_reference(tiny_hf: Path, tmp_path: Path, long_text: str):
    from transformers import AutoTokenizer

    data = _write(tmp_path, [{"text": long_text}, {"text": "The policy covers claims."}])
    out = _ppl(tmp_path, model=tiny_hf, data=[str(data)], max_seq_len=64, stride=24, device="cpu")
    assert out["documents"] == 2 and out["max_seq_len"] == 64 and out["stride"] == 24
    assert math.isclose(out["ppl"], math.exp(out["loss"]), rel_tol=1e-9)
    per = out["per_document"]
    assert sum(d["tokens"] for d in per) == out["tokens"]
    weighted = sum(d["loss"] * d["tokens"] for d in per) / out["tokens"]
    assert math.isclose(weighted, out["loss"], rel_tol=1e-6)  # token-weighted, not a mean of means

    tok = AutoTokenizer.from_pretrained(tiny_hf, local_files_only=True)
    ids = tok(long_text, add_special_tokens=True)["input_ids"] + [tok.eos_token_id]
    assert len(ids) > 64 * 3, "the long document must need several windows"
    ref_total, ref_count = _reference_nll(tiny_hf, ids, 64, 24)
    assert per[0]["tokens"] == ref_count == len(ids) - 1  # every token but the first, exactly once
    assert math.isclose(per[0]["loss"], ref_total / ref_count, rel_tol=1e-4)

    # A window as large as the document is one plain forward pass: a different (full-context) value.
    full = _ppl(tmp_path, model=tiny_hf, data=[str(data)], max_seq_len=512, device="cpu")
    assert full["per_document"][0]["tokens"] == ref_count
    assert full["per_document"][0]["loss"] != pytest.approx(per[0]["loss"], rel=1e-6)


def test_adapter_changes_the_loss_and_chat_rows_score_assistant_tokens(tiny_hf: Path, adapter: Path, tmp_path: Path):
    rows = [{"text": "Claims must be filed within thirty days."},
            {"messages": [{"role": "user", "content": "When are claims due?"},
                          {"role": "assistant", "content": "Within thirty days."}]}]
    data = _write(tmp_path, rows)
    base = _ppl(tmp_path, model=tiny_hf, data=[str(data)], device="cpu")
    tuned = _ppl(tmp_path, model=tiny_hf, adapter=adapter, data=[str(data)], device="cpu")
    assert base["loss"] != pytest.approx(tuned["loss"], rel=1e-4)
    assert tuned["adapter_sha256"] and len(tuned["adapter_sha256"]) == 64 and base["adapter_sha256"] is None
    chat = base["per_document"][1]
    assert 0 < chat["tokens"] < 20  # only the assistant's answer (+ end of turn), not the prompt


def test_bad_input_is_a_clear_error(tiny_hf: Path, tmp_path: Path):
    bad = _write(tmp_path, [{"text": "ok"}, {"nope": 1}], "bad.jsonl")
    cfg = tmp_path / "ppl.json"
    cfg.write_text(json.dumps({"model": str(tiny_hf), "data": [str(bad)], "device": "cpu"}))
    error = assert_error(run_trainer("perplexity", "--config", str(cfg)), "data_invalid")
    assert "line 2" in error["message"]
    cfg.write_text(json.dumps({"model": str(tmp_path), "data": [str(bad)]}))
    assert_error(run_trainer("perplexity", "--config", str(cfg)), "data_invalid")  # data is read before the model
    cfg.write_text(json.dumps({"model": str(tiny_hf), "data": []}))
    assert_error(run_trainer("perplexity", "--config", str(cfg)), "config_invalid")
