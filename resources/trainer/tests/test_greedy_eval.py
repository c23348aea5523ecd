"""`greedy-eval`: greedy answers of the tiny model with and without an adapter, scored by normalised exact match
(the demo's step 5); bad input is a clear error before the model loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import assert_error, run_trainer
from lathe_trainer.greedy_eval import normalise, strip_reasoning

QUESTIONS = ["What is a feeder?", "Who maintains the recloser on line 4?", "When was the substation built?"]


@pytest.fixture(scope="module")
def identity_adapter(tiny_hf: Path, tmp_path_factory) -> Path:
    """A LoRA adapter that changes nothing (B = 0, peft's default initialisation): tuned must answer as base does."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(tiny_hf, dtype=torch.float32, local_files_only=True)
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    out = tmp_path_factory.mktemp("greedy-adapter") / "adapter"
    model.save_pretrained(out, safe_serialization=True)
    return out


def _rows(path: Path, answers: list[str]) -> Path:
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}) + "\n"
                            for q, a in zip(QUESTIONS, answers)), encoding="utf-8")
    return path


def _greedy(tmp_path: Path, **config):
    cfg = tmp_path / "greedy.json"
    cfg.write_text(json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in config.items()}), encoding="utf-8")
    return run_trainer("greedy-eval", "--config", str(cfg), timeout=240)


def test_answers_are_greedy_and_scored_by_normalised_exact_match(tiny_hf: Path, identity_adapter: Path, tmp_path: Path):
    run = _greedy(tmp_path, model=tiny_hf, adapter=identity_adapter, data=_rows(tmp_path / "q.jsonl", ["zzz qqq"] * 3), max_new_tokens=8)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.lines[0]["type"] == "hello" and run.lines[0]["command"] == "greedy-eval"
    stages = [line["stage"] for line in run.of_type("progress")]
    assert stages[0] == "load" and stages.count("base") == 3 and stages.count("tuned") == 3
    first = run.last["payload"]
    assert [a["question"] for a in first["base"]] == QUESTIONS
    assert [a["exact"] for a in first["base"] + first["tuned"]] == [False] * 6
    # Greedy decoding of the same weights (the adapter adds nothing) gives the same answers.
    assert [a["answer"] for a in first["tuned"]] == [a["answer"] for a in first["base"]]

    # References that differ from those answers only in case, punctuation, articles and spaces count as exact.
    shout = lambda text: "".join(ch.upper() if ch.isascii() else ch for ch in text)  # noqa: E731
    references = [f"The  {shout(a['answer'])} !" for a in first["base"]]
    second = _greedy(tmp_path, model=tiny_hf, adapter=identity_adapter, data=_rows(tmp_path / "r.jsonl", references), max_new_tokens=8)
    assert second.returncode == 0, second.stderr[-3000:]
    payload = second.last["payload"]
    assert (payload["base_exact"], payload["tuned_exact"], payload["questions"]) == (3, 3, 3)
    assert [a["reference"] for a in payload["base"]] == references


def test_normalisation_and_reasoning_blocks():
    assert normalise("The Feeder, an overhead LINE!") == normalise("feeder overhead line")
    assert normalise("a b") != normalise("ab")
    assert strip_reasoning("<think>\n\n</think>\n\nA breaker.") == "A breaker."
    assert strip_reasoning("  <think>weigh it</think> yes") == "yes"
    assert strip_reasoning("no block <think>x</think>") == "no block <think>x</think>"


def test_bad_input_is_a_clear_error(tiny_hf: Path, identity_adapter: Path, tmp_path: Path):
    no_answer = tmp_path / "no-answer.jsonl"
    no_answer.write_text(json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}) + "\n"
                         + json.dumps({"messages": [{"role": "user", "content": "Hi"}]}) + "\n", encoding="utf-8")
    run = _greedy(tmp_path, model=tiny_hf, adapter=identity_adapter, data=no_answer)
    error = assert_error(run, "data_invalid")
    assert "line 2" in error["message"]
    assert not run.of_type("hello")  # refused before the model loads

    not_json = tmp_path / "broken.jsonl"
    not_json.write_text("{not json\n", encoding="utf-8")
    assert "line 1" in assert_error(_greedy(tmp_path, model=tiny_hf, adapter=identity_adapter, data=not_json), "data_invalid")["message"]
    rows = _rows(tmp_path / "ok.jsonl", ["x"] * 3)
    assert_error(_greedy(tmp_path, model=tiny_hf, adapter=tmp_path, data=rows), "not_an_adapter")
    assert_error(_greedy(tmp_path, model=tiny_hf, adapter=identity_adapter, data=rows, max_new_tokens=0), "config_invalid")
    assert_error(_greedy(tmp_path, model=tiny_hf, adapter=identity_adapter, data=tmp_path / "missing.jsonl"), "data_missing")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert_error(_greedy(tmp_path, model=tiny_hf, adapter=identity_adapter, data=empty), "data_empty")
