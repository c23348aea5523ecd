"""make-tiny-model on the HF side (no GGUF): determinism, manifest, cache, tokenizer, failures.

Builds use a handful of steps: the properties under test do not depend on how long the model trains.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TRAINER_DIR, assert_error, build_tiny, parse_protocol, run_trainer, trainer_env


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f"{out.name}*"))


@pytest.fixture(scope="module")
def seed0(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("seed0") / "tiny"
    run = build_tiny(out, "--no-gguf")
    return out, run.last["payload"]


def test_build_reports_progress_and_writes_the_hf_folder(seed0):
    out, payload = seed0
    assert payload["cached"] is False
    assert payload["gguf"] is None
    for name in ("model.safetensors", "config.json", "generation_config.json", "tokenizer.model",
                 "tokenizer_config.json", "tokenizer.json", "chat_template.jinja"):
        assert (out / "hf" / name).is_file(), name
    assert payload["model_sha256"] == sha256(out / "hf" / "model.safetensors")
    assert leftovers(out) == ["tiny"], "no temporary folders may remain"


def test_manifest_records_key_hashes_and_timings(seed0):
    out, payload = seed0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "lathe-tiny-model"
    assert manifest["key"] == payload["key"]
    assert set(manifest["key_inputs"]) >= {"corpus_sha256", "builder_sha256", "seed", "model_config", "train_settings"}
    assert manifest["key_inputs"]["train_settings"]["steps"] == 3
    for relative, entry in manifest["files"].items():
        assert sha256(out / relative) == entry["sha256"], relative
        assert (out / relative).stat().st_size == entry["bytes"], relative
    assert manifest["seconds"]["total"] > 0
    assert manifest["final_loss"] > 0


def test_same_seed_gives_byte_identical_weights(seed0, tmp_path):
    out, payload = seed0
    again = build_tiny(tmp_path / "tiny", "--no-gguf").last["payload"]
    assert again["cached"] is False
    assert again["model_sha256"] == payload["model_sha256"]
    for path in sorted((out / "hf").iterdir()):  # tokenizer, configs and template too, not only the weights
        assert sha256(tmp_path / "tiny" / "hf" / path.name) == sha256(path), path.name


def test_different_seed_gives_different_weights(seed0, tmp_path):
    _, payload = seed0
    other = build_tiny(tmp_path / "tiny", "--no-gguf", seed=1).last["payload"]
    assert other["model_sha256"] != payload["model_sha256"]
    assert other["key"] != payload["key"]


def test_second_call_reuses_the_cached_model(seed0):
    out, payload = seed0
    before = (out / "hf" / "model.safetensors").stat().st_mtime_ns
    run = build_tiny(out, "--no-gguf", fresh=True)  # a new interpreter: a cache hit must not need torch's imports
    assert run.last["payload"]["cached"] is True
    assert run.last["payload"]["model_sha256"] == payload["model_sha256"]
    assert (out / "hf" / "model.safetensors").stat().st_mtime_ns == before
    assert run.seconds < 5, "a cache hit must not import torch or train"


def test_changed_weights_are_rebuilt(tmp_path, small_corpus):
    out = tmp_path / "tiny"
    first = build_tiny(out, "--no-gguf", "--corpus", str(small_corpus)).last["payload"]
    (out / "hf" / "model.safetensors").write_bytes(b"tampered")
    second = build_tiny(out, "--no-gguf", "--corpus", str(small_corpus)).last["payload"]
    assert second["cached"] is False
    assert second["model_sha256"] == first["model_sha256"]
    assert leftovers(out) == ["tiny"]


def test_tokenizer_reloads_offline_and_round_trips(seed0):
    out, _ = seed0
    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(out / "hf")
    assert len(tokenizer) == 512
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.eos_token_id == 4
    assert tokenizer.bos_token_id == 1
    for text in ("Northwind Grid inspects grid substations every month.",
                 "Prove dead: live, dead, live.\n  Two spaces, a tab\tand 132 kV!",
                 "Ünïcode falls back to bytes: café, 电, ✓"):
        ids = tokenizer.encode(text, add_special_tokens=False)
        assert tokenizer.decode(ids) == text
    assert tokenizer.encode("<|im_start|>user", add_special_tokens=False)[0] == 3

    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is a bund?"}]
    rendered = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert rendered == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is a bund?<|im_end|>\n"
                        "<|im_start|>assistant\n")

    model = AutoModelForCausalLM.from_pretrained(out / "hf")
    assert model.config.num_hidden_layers == 2 and model.config.vocab_size == 512
    ids = tokenizer(rendered, return_tensors="pt").input_ids
    assert model(ids).logits.shape == (1, ids.shape[1], 512)


def test_missing_corpus_is_an_error_and_creates_nothing(tmp_path):
    out = tmp_path / "tiny"
    run = run_trainer("make-tiny-model", "--out", str(out), "--corpus", str(tmp_path / "nope"), "--no-gguf")
    assert run.returncode == 1
    assert_error(run, "corpus_missing")
    assert not out.exists() and leftovers(out) == []


def test_empty_corpus_is_an_error_and_creates_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("not a .txt file")
    (corpus / "empty.txt").write_text("")
    out = tmp_path / "tiny"
    assert_error(run_trainer("make-tiny-model", "--out", str(out), "--corpus", str(corpus)), "corpus_empty")
    assert not out.exists() and leftovers(out) == []


def test_refuses_to_replace_a_folder_it_did_not_build(tmp_path):
    out = tmp_path / "tiny"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    assert_error(run_trainer("make-tiny-model", "--out", str(out), "--steps", "3", "--no-gguf"),
                 "output_not_tiny_model")
    assert (out / "precious.txt").read_text() == "keep me"


def test_sigterm_leaves_no_half_built_folder(tmp_path):
    out = tmp_path / "tiny"
    process = subprocess.Popen([sys.executable, "-m", "lathe_trainer", "make-tiny-model", "--out", str(out),
                                "--steps", "100000", "--no-gguf"], cwd=TRAINER_DIR, env=trainer_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen = []
    for raw in process.stdout:  # wait until training has started and the staging folder exists
        seen.append(raw)
        if '"stage":"pretrain"' in raw:
            break
    assert leftovers(out) == [f"tiny.tmp-{process.pid}"]
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=60)
    lines = parse_protocol("".join(seen) + rest)
    assert process.returncode == 130
    assert lines[-1]["type"] == "error" and lines[-1]["code"] == "cancelled"
    assert leftovers(out) == []


def test_stale_staging_folder_of_a_dead_build_is_removed(tmp_path):
    out = tmp_path / "tiny"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"tiny.tmp-{dead.pid}"
    (stale / "hf").mkdir(parents=True)
    build_tiny(out, "--no-gguf", steps=1)
    assert leftovers(out) == ["tiny"]
