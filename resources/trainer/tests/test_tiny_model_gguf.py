"""The one test module that runs llama.cpp's converter: built once (module fixture), inspected many ways.

It uses the bundle node-llama-cpp ships; without node_modules it skips rather than fails, so the
trainer's tests still run on a GPU box that has no npm packages.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from conftest import build_tiny, run_trainer

from lathe_trainer.tiny_model.corpus import CHAT_TEMPLATE
from lathe_trainer.tiny_model.gguf_convert import BUNDLE_ENV, default_bundle_path

pytestmark = pytest.mark.gguf


@pytest.fixture(scope="module")
def gguf_build(tmp_path_factory) -> tuple[Path, dict]:
    import os

    if not default_bundle_path().is_file() and not os.environ.get(BUNDLE_ENV):
        pytest.skip("node-llama-cpp's llama/gitRelease.bundle is not installed")
    out = tmp_path_factory.mktemp("gguf") / "tiny"
    run = build_tiny(out, steps=20)
    stages = [line["stage"] for line in run.of_type("progress")]
    assert stages[-1] == "convert" and "pretrain" in stages
    return out, run.last["payload"]


def test_gguf_is_written_and_hashed(gguf_build):
    out, payload = gguf_build
    gguf = out / "tiny.gguf"
    assert payload["gguf"] == str(gguf)
    assert gguf.read_bytes()[:4] == b"GGUF"
    assert payload["gguf_sha256"] == hashlib.sha256(gguf.read_bytes()).hexdigest()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"]["tiny.gguf"]["sha256"] == payload["gguf_sha256"]
    assert manifest["key_inputs"]["gguf"]["outtype"] == "f16"
    assert "convert" in manifest["seconds"]


def test_gguf_carries_tokenizer_chat_template_and_stop_token(gguf_build):
    from gguf import GGUFReader

    out, payload = gguf_build
    reader = GGUFReader(out / "tiny.gguf")

    def value(key):
        return reader.get_field(key).contents()

    assert value("general.architecture") == "llama"
    assert value("llama.block_count") == 2
    assert value("llama.embedding_length") == 64
    assert value("llama.attention.head_count_kv") == 4
    assert value("tokenizer.ggml.model") == "llama"
    assert value("tokenizer.chat_template") == CHAT_TEMPLATE
    tokens = value("tokenizer.ggml.tokens")
    types = value("tokenizer.ggml.token_type")
    assert len(tokens) == 512
    assert tokens[3] == "<|im_start|>" and tokens[4] == "<|im_end|>"
    control = 3  # gguf.TokenType.CONTROL: matched whole in chat text and never printed
    assert types[3] == control and types[4] == control
    assert value("tokenizer.ggml.eos_token_id") == 4
    assert value("tokenizer.ggml.bos_token_id") == 1
    assert value("tokenizer.ggml.add_space_prefix") is False
    assert payload["gguf_info"]["eos_token"] == "<|im_end|>"


def test_gguf_build_is_cached_too(gguf_build):
    out, payload = gguf_build
    run = build_tiny(out, steps=20)
    assert run.last["payload"]["cached"] is True
    assert run.last["payload"]["gguf_sha256"] == payload["gguf_sha256"]


def test_missing_llama_cpp_source_fails_before_building(tmp_path):
    out = tmp_path / "tiny"
    run = run_trainer("make-tiny-model", "--out", str(out), "--steps", "3",
                      "--llama-cpp-src", str(tmp_path / "no-such.bundle"))
    assert run.returncode == 1
    error = run.last
    assert error["type"] == "error" and error["code"] == "llama_cpp_missing"
    assert "--no-gguf" in error["hint"]
    assert not out.exists()
