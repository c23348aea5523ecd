"""SFT lines with tools, tool calls and per-message weights (issue 17), on real family templates.

The oracle is transformers: `apply_chat_template(messages, tools=tools)` must give the trained ids, the tool
definitions must be in that text, the assistant's tool call must be trained and the tool's result never. An assistant
message with weight 0 stays in the text and carries no gradient.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_trainer
from lathe_trainer.chat_template import IGNORE_INDEX, template_messages
from lathe_trainer.protocol import LatheError
from lathe_trainer.testing.families import FAMILIES, available, build_family
from lathe_trainer.train.data import encode_files, encode_sft, iter_jsonl
from test_families_chat import PHI3_MARKED, trained_runs
from test_train_sft import write_jsonl

TOOLS = [{"type": "function", "function": {
    "name": "outage_status", "description": "Whether a feeder is out and since when.",
    "parameters": {"type": "object", "properties": {"feeder": {"type": "string"}}, "required": ["feeder"]}}}]
CALL = {"id": "call00012", "type": "function", "function": {"name": "outage_status", "arguments": "{\"feeder\": \"F12\"}"}}
CONVERSATION = [
    {"role": "user", "content": "Is feeder F12 out?"},
    {"role": "assistant", "content": "", "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call00012", "name": "outage_status", "content": "state=restored at=14:05"},
    {"role": "assistant", "content": "No: F12 was restored at 14:05."},
]
TOOL_FAMILIES = [name for name in ("qwen2", "qwen3", "llama3", "mistral") if available(name)]


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    from transformers import AutoTokenizer

    root = tmp_path_factory.mktemp("tool-families")
    return {name: AutoTokenizer.from_pretrained(build_family(name, root / name), local_files_only=True)
            for name in TOOL_FAMILIES + ["phi3"]}


@pytest.mark.parametrize("name", TOOL_FAMILIES)
def test_tools_reach_the_text_and_the_call_is_trained_but_not_its_result(tokenizers, name):
    tok = tokenizers[name]
    encoded = encode_sft(tok, CONVERSATION, 4096, TOOLS)
    expected = tok.apply_chat_template(template_messages(CONVERSATION), tools=TOOLS, tokenize=True)
    assert encoded.input_ids == list(expected["input_ids"] if hasattr(expected, "keys") else expected)
    text = tok.decode(encoded.input_ids)
    assert "Whether a feeder is out and since when." in text and "state=restored at=14:05" in text
    call, answer = trained_runs(tok, encoded.input_ids, encoded.labels)
    assert "outage_status" in call and '"feeder": "F12"' in call, call  # arguments as an object, not a quoted string
    assert call.endswith(FAMILIES[name].end_of_turn) and "state=restored" not in call
    assert answer.endswith("No: F12 was restored at 14:05." + FAMILIES[name].end_of_turn), answer


@pytest.mark.parametrize("name", ["tiny", "phi3"])
def test_a_template_that_cannot_render_tools_is_refused(name, tokenizers, tiny_hf):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_hf) if name == "tiny" else tokenizers[name]
    for conversation, tools in ((CONVERSATION[:1] + [{"role": "assistant", "content": "Let me look."}], TOOLS),
                                (CONVERSATION, None)):
        with pytest.raises(LatheError) as caught:
            encode_sft(tok, conversation, 4096, tools)
        error = caught.value
        assert error.code == "chat_template_unsupported", error.message
        assert str(tok.name_or_path) in error.message and "tool" in error.message
        assert "tool calling" in error.hint and error.hint.endswith(".")


def test_tool_lines_are_checked(tmp_path):
    good = {"messages": CONVERSATION, "tools": TOOLS}
    path = write_jsonl(tmp_path / "tools.jsonl", [good])
    (_, chat), = iter_jsonl(str(path), "sft")
    assert chat.messages == CONVERSATION and chat.tools == TOOLS
    for bad, problem in (({"messages": [{"role": "user", "content": "q", "tool_calls": [CALL]}]}, "`tool_calls`"),
                         ({"messages": [{"role": "assistant", "content": "a", "weight": 0.5}]}, "`weight`"),
                         ({"messages": CONVERSATION, "tools": [{"name": "x"}]}, "`tools`")):
        write_jsonl(path, [bad])
        with pytest.raises(LatheError) as caught:
            list(iter_jsonl(str(path), "sft"))
        assert caught.value.code == "data_invalid" and problem in caught.value.message, caught.value.message


def test_tools_go_through_the_token_cache(tokenizers, tmp_path, monkeypatch):
    from lathe_trainer.train.token_cache import ROOT_ENV, cached_examples

    monkeypatch.setenv(ROOT_ENV, str(tmp_path / "cache"))
    tok = tokenizers["qwen2"]
    path = write_jsonl(tmp_path / "tools.jsonl", [{"messages": CONVERSATION, "tools": TOOLS}])
    expected, _ = encode_files(tok, [str(path)], "sft", 512)
    cached = cached_examples(tok, Path(tok.name_or_path), [str(path)], "sft", 512)
    assert [(e.input_ids, e.labels) for e in cached] == [(e.input_ids, e.labels) for e in expected]


def test_a_tool_calling_sft_run_trains(tmp_path):
    base = build_family("qwen2", tmp_path / "qwen2", dtype="float32")
    rows = [{"messages": CONVERSATION, "tools": TOOLS}] * 4
    write_jsonl(tmp_path / "train.jsonl", rows)
    config = {"base_model": str(base), "output_dir": str(tmp_path / "out"), "objective": "sft",
              "data": {"train": ["train.jsonl"], "validation": ["train.jsonl"]}, "max_seq_len": 512,
              "micro_batch_size": 2, "max_steps": 3, "lr": 0.01, "seed": 0, "device": "cpu"}
    (tmp_path / "run.json").write_text(json.dumps(config), encoding="utf-8")
    run = run_trainer("train", "--config", str(tmp_path / "run.json"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert [m["step"] for m in run.of_type("metrics")] == [1, 2, 3]


# ---- weight 0 ----------------------------------------------------------------------------------------------------

TWO_TURNS = [{"role": "user", "content": "What is a feeder?"},
             {"role": "assistant", "content": "A line from a substation."},
             {"role": "user", "content": "And a recloser?"},
             {"role": "assistant", "content": "A breaker that closes again."}]


def _weighted(first: int) -> list[dict]:
    return [{**m, "weight": first} if i == 1 else m for i, m in enumerate(TWO_TURNS)]


@pytest.mark.parametrize("name", ["qwen2", "phi3-marked"])
def test_weight_0_keeps_the_turn_in_the_text_but_out_of_the_labels(tokenizers, name):
    tok = tokenizers[name.split("-")[0]]
    original = tok.chat_template
    if name == "phi3-marked":  # {% generation %} markers: the k-th marked run is turn k
        tok.chat_template = PHI3_MARKED.replace("CONTENT", "message['content'] + '<|end|>'")
    try:
        trained, masked = encode_sft(tok, _weighted(1), 4096), encode_sft(tok, _weighted(0), 4096)
    finally:
        tok.chat_template = original
    assert masked.input_ids == trained.input_ids
    assert len(trained_runs(tok, trained.input_ids, trained.labels)) == 2
    assert trained_runs(tok, masked.input_ids, masked.labels) == trained_runs(tok, trained.input_ids, trained.labels)[1:]


def test_weight_0_tokens_carry_no_gradient(tiny_hf):
    """The gradient of the loss with respect to the logits is exactly zero wherever the target is a weight-0 token,
    and the loss equals the one of a conversation where only the other turn is trained."""
    import contextlib

    import torch

    from lathe_trainer.train.config import LoraSettings
    from lathe_trainer.train.data import collate
    from lathe_trainer.train.loss import chunked_head_for, token_loss_sum
    from lathe_trainer.train.model import load_model, load_tokenizer

    tok = load_tokenizer(tiny_hf)
    torch.manual_seed(0)
    model = load_model(tiny_hf, "lora", LoraSettings(rank=8, alpha=16, dropout=0.0), "cpu")
    trained, masked = encode_sft(tok, _weighted(1), 512), encode_sft(tok, _weighted(0), 512)
    turn_one = [i for i, (a, b) in enumerate(zip(trained.labels, masked.labels)) if a != b]
    assert turn_one and all(masked.labels[i] == IGNORE_INDEX for i in turn_one)

    captured = []

    def keep_logits(_module, _inputs, logits):
        logits.retain_grad()
        captured.append(logits)

    hook = model.get_output_embeddings().register_forward_hook(keep_logits)
    try:
        loss = token_loss_sum(model, collate([masked], tok.eos_token_id), None, contextlib.nullcontext())
        loss.backward()
    finally:
        hook.remove()
    grad = captured[-1].grad[0]  # logits at position p predict token p + 1
    assert all(float(grad[i - 1].abs().max()) == 0.0 for i in turn_one)
    assert all(float(grad[i - 1].abs().max()) > 0.0 for i, label in enumerate(masked.labels) if label != IGNORE_INDEX)

    only_turn_two = [IGNORE_INDEX if i in turn_one else label for i, label in enumerate(trained.labels)]
    assert only_turn_two == masked.labels
    chunked = token_loss_sum(model, collate([masked], tok.eos_token_id), chunked_head_for(model, "cpu"),
                             contextlib.nullcontext())
    assert float(chunked.detach()) == pytest.approx(float(loss.detach()), abs=1e-5)
