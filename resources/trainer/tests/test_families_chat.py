"""SFT tokenisation and loss mask on real model families (tiny random models, real chat templates).

Every family of `lathe_trainer.testing.families` is built once into a temporary folder (about 0.1 s each).
The oracle is transformers itself: `apply_chat_template(tokenize=True)` for the ids, the family's
end-of-turn token and the message contents for the labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TRAINER_DIR
from lathe_trainer.chat_template import IGNORE_INDEX, NOTE_SYSTEM_MERGED_FIRST, NOTE_SYSTEM_MERGED_LAST, encode_prompt
from lathe_trainer.greedy_eval import strip_reasoning
from lathe_trainer.perplexity import encode_document
from lathe_trainer.protocol import LatheError
from lathe_trainer.testing.families import FAMILIES, as_trained, available, build_family
from lathe_trainer.train.data import encode_cpt, encode_files, encode_sft

SAMPLES = TRAINER_DIR.parent / "samples"
NAMES = [name for name in FAMILIES if available(name)]

CONVERSATION = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "What is a feeder?"},
    {"role": "assistant", "content": "A line from a substation."},
    {"role": "user", "content": "And a recloser?"},
    {"role": "assistant", "content": "A breaker that closes again."},
]


@pytest.fixture(scope="module")
def family_dirs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("families")
    return {name: build_family(name, root / name) for name in NAMES}


@pytest.fixture(scope="module")
def tokenizers(family_dirs):
    from transformers import AutoTokenizer

    return {name: AutoTokenizer.from_pretrained(folder, local_files_only=True) for name, folder in family_dirs.items()}


def template_ids(tok, messages: list[dict]) -> list[int]:
    out = tok.apply_chat_template(messages, tokenize=True)
    return list(out["input_ids"] if hasattr(out, "keys") else out)  # transformers 5 returns a BatchEncoding


def trained_runs(tok, ids: list[int], labels: list[int]) -> list[str]:
    """The labelled tokens, decoded one contiguous run at a time."""
    runs, current = [], []
    for token, label in zip(ids, labels):
        assert label in (token, IGNORE_INDEX)
        if label != IGNORE_INDEX:
            current.append(token)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [tok.decode(run, skip_special_tokens=False) for run in runs]


def bos_count(tok, ids: list[int]) -> int:
    return ids.count(tok.bos_token_id) if tok.bos_token_id is not None else 0


@pytest.mark.parametrize("name", NAMES)
def test_trained_ids_are_the_templates_ids_with_one_bos(tokenizers, name):
    tok, family = tokenizers[name], FAMILIES[name]
    encoded = encode_sft(tok, CONVERSATION, max_seq_len=4096)
    assert encoded.input_ids == template_ids(tok, as_trained(name, CONVERSATION))
    assert bos_count(tok, encoded.input_ids) == (1 if family.add_bos else 0)
    if family.add_bos:
        assert encoded.input_ids[0] == tok.bos_token_id
    expected_notes = {"first_user": (NOTE_SYSTEM_MERGED_FIRST,), "last_user": (NOTE_SYSTEM_MERGED_LAST,)}
    assert encoded.notes == expected_notes.get(family.system_into, ())
    if family.system_into is None:  # the system prompt itself is in what is trained on
        assert "Answer briefly." in tok.decode(encoded.input_ids)


@pytest.mark.parametrize("name", NAMES)
def test_mask_is_each_reply_and_its_end_of_turn(tokenizers, name):
    tok, family = tokenizers[name], FAMILIES[name]
    encoded = encode_sft(tok, CONVERSATION, max_seq_len=4096)
    replies = [m["content"] for m in CONVERSATION if m["role"] == "assistant"]
    assert trained_runs(tok, encoded.input_ids, encoded.labels) == [r + family.end_of_turn for r in replies]
    # Nothing after an end of turn is trained: not the newline, not Phi-3's trailing <|endoftext|>.
    eot = tok.convert_tokens_to_ids(family.end_of_turn)
    for i, label in enumerate(encoded.labels):
        if label == eot and i + 1 < len(encoded.labels):
            assert encoded.labels[i + 1] == IGNORE_INDEX


@pytest.mark.parametrize("name", NAMES)
def test_northwind_samples_encode_on_every_family(tokenizers, name, capsys):
    tok, family = tokenizers[name], FAMILIES[name]
    paths = [SAMPLES / "northwind-qa.jsonl", SAMPLES / "northwind-facts.jsonl"]
    rows = [json.loads(line)["messages"] for path in paths for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    assert rows and all(r[0]["role"] == "system" for r in rows)
    examples, dropped = encode_files(tok, [str(p) for p in paths], "sft", max_seq_len=4096)
    assert dropped == 0 and len(examples) == len(rows)
    for messages, example in zip(rows, examples):
        assert bos_count(tok, example.input_ids) == (1 if family.add_bos else 0)
        reply = messages[-1]["content"]
        assert trained_runs(tok, example.input_ids, example.labels) == [reply + family.end_of_turn]
    if family.system_into is not None:  # reported, never silent
        err = capsys.readouterr().err
        note = NOTE_SYSTEM_MERGED_FIRST if family.system_into == "first_user" else NOTE_SYSTEM_MERGED_LAST
        for path in paths:
            count = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
            assert f"{path.name} with {name}: {note} in {count} examples" in err, err


@pytest.mark.parametrize("name", NAMES)
def test_text_gets_exactly_one_bos_where_the_family_uses_one(tokenizers, name):
    tok, family = tokenizers[name], FAMILIES[name]
    # A text that already starts with the BOS string (a chat log exported as text) must not get a second one.
    texts = ["The substation feeds the town.", f"{tok.bos_token if family.add_bos else ''}A recloser closes again."]
    blocks = encode_cpt(tok, texts, max_seq_len=4096)
    assert len(blocks) == 1
    stream = blocks[0].input_ids
    assert bos_count(tok, stream) == (2 if family.add_bos else 0)  # one per document
    assert stream.count(tok.eos_token_id) == 2 and stream[-1] == tok.eos_token_id
    for text in texts:
        ids, _ = encode_document(tok, {"text": text})
        assert bos_count(tok, ids) == (1 if family.add_bos else 0)


@pytest.mark.parametrize("name", NAMES)
def test_perplexity_scores_what_training_trains(tokenizers, name):
    tok = tokenizers[name]
    encoded = encode_sft(tok, CONVERSATION, max_seq_len=4096)
    notes: list[str] = []
    assert encode_document(tok, {"messages": CONVERSATION}, notes) == (encoded.input_ids, encoded.labels)
    assert tuple(notes) == encoded.notes



@pytest.mark.parametrize("name", NAMES)
def test_greedy_eval_prompts_exactly_as_training_renders(tokenizers, name):
    """The prompt for the last reply is the trained ids up to where that reply's trained tokens begin."""
    tok = tokenizers[name]
    encoded = encode_sft(tok, CONVERSATION, max_seq_len=4096)
    prompt = encode_prompt(tok, CONVERSATION)
    assert encoded.input_ids[: len(prompt.input_ids)] == prompt.input_ids
    # What follows the prompt is the last reply, trained from its first token; only an empty reasoning block the
    # template writes itself (Qwen 3's "<think>\n\n</think>") may come between, and the answer is read without it.
    rest, labels = encoded.input_ids[len(prompt.input_ids):], encoded.labels[len(prompt.input_ids):]
    first = next(i for i, label in enumerate(labels) if label != IGNORE_INDEX)
    assert strip_reasoning(tok.decode(rest[:first], skip_special_tokens=True)) == ""
    assert strip_reasoning(tok.decode(rest, skip_special_tokens=True)).startswith("A breaker")
    assert prompt.notes == encoded.notes

ALPACA = ("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}### Instruction:\n{{ m['content'] }}\n\n"
          "{% elif m['role'] == 'assistant' %}### Response:\n{{ m['content'] }}\n\n{% endif %}{% endfor %}"
          "{% if add_generation_prompt %}### Response:\n{% endif %}")


def test_template_without_an_end_of_turn_token_fails_loudly(tokenizers, tmp_path):
    tok = tokenizers["llama3"]
    original = tok.chat_template
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps({"messages": CONVERSATION[1:3]}) + "\n", encoding="utf-8")
    try:
        tok.chat_template = ALPACA
        with pytest.raises(LatheError) as caught:
            encode_files(tok, [str(data)], "sft", 512)
    finally:
        tok.chat_template = original
    error = caught.value
    assert error.code == "chat_template_unmaskable"
    assert error.message.startswith("train.jsonl example 1: ")
    assert "not with an end-of-turn token, so the model could not learn to stop" in error.message
    assert "{% generation %}" in error.hint and error.hint.endswith(".")
    assert "standard template" not in error.hint


def test_template_refusal_is_a_clear_error_not_a_crash(tokenizers):
    tok = tokenizers["gemma2"]
    two_users = [{"role": "user", "content": "Hi."}, {"role": "user", "content": "Hello?"},
                 {"role": "assistant", "content": "Hello."}]
    with pytest.raises(LatheError) as caught:
        encode_sft(tok, two_users, 512)
    assert caught.value.code == "chat_template_rejected"
    assert "Conversation roles must alternate" in caught.value.message and caught.value.hint.endswith(".")


PHI3_MARKED = (
    "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n'}}{% generation %}{{CONTENT}}{% endgeneration %}"
    "{{'\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
)


@pytest.mark.parametrize("marked, expected", [
    ("message['content'] + '<|end|>'", ["A line from a substation.<|end|>", "A breaker that closes again.<|end|>"]),
    ("message['content']", ["A line from a substation.", "A breaker that closes again."]),  # the markers decide
])
def test_generation_markers_decide_what_is_trained(tokenizers, marked, expected):
    tok = tokenizers["phi3"]
    original = tok.chat_template
    try:
        tok.chat_template = PHI3_MARKED.replace("CONTENT", marked)
        encoded = encode_sft(tok, CONVERSATION, 4096)
        assert encoded.input_ids == template_ids(tok, CONVERSATION)
        assert trained_runs(tok, encoded.input_ids, encoded.labels) == expected
    finally:
        tok.chat_template = original


def test_reasoning_the_template_splits_off_is_trained_where_the_template_keeps_it(tokenizers):
    """Qwen3 drops <think> reasoning from earlier turns and re-wraps it in the last one: each turn is what
    follows its own generation prompt."""
    tok = tokenizers["qwen3"]
    conversation = [CONVERSATION[0], CONVERSATION[1],
                    {"role": "assistant", "content": "<think>\nFeeders.\n</think>\n\nA line from a substation."},
                    CONVERSATION[3],
                    {"role": "assistant", "content": "<think>\nReclosers.\n</think>\n\nA breaker that closes again."}]
    encoded = encode_sft(tok, conversation, 4096)
    assert encoded.input_ids == template_ids(tok, conversation)
    assert trained_runs(tok, encoded.input_ids, encoded.labels) == [
        "A line from a substation.<|im_end|>", "<think>\nReclosers.\n</think>\n\nA breaker that closes again.<|im_end|>"]
