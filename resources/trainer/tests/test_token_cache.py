"""The token cache (train/token_cache.py): the same examples as encoding in memory, read back instead of
tokenised again, keyed by everything the tokens depend on, never half-written."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

from conftest import TRAINER_DIR, run_trainer
from lathe_trainer.protocol import LatheError
from lathe_trainer.testing.families import available, build_family
from lathe_trainer.train import token_cache
from lathe_trainer.train.data import encode_files
from lathe_trainer.train.model import load_tokenizer
from test_train_sft import write_config

SAMPLE_QA = TRAINER_DIR.parent / "samples" / "northwind-qa.jsonl"
FAMILIES = [name for name in ("llama3", "mistral", "gemma2", "qwen2") if available(name)]


@pytest.fixture(scope="module")
def families(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cache-families")
    return {name: build_family(name, root / name, dtype="float32") for name in FAMILIES}


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "token-cache"
    monkeypatch.setenv(token_cache.ROOT_ENV, str(root))
    return root


@pytest.fixture(scope="module")
def cpt_file(tmp_path_factory) -> Path:
    texts = [json.loads(line)["messages"][-1]["content"] for line in SAMPLE_QA.read_text(encoding="utf-8").splitlines()]
    path = tmp_path_factory.mktemp("cpt") / "texts.jsonl"
    path.write_text("".join(json.dumps({"text": t * 3}) + "\n" for t in texts), encoding="utf-8")
    return path


def same(a, b) -> bool:
    return len(a) == len(b) and all(x.input_ids == y.input_ids and x.labels == y.labels and
                                    x.position_ids == y.position_ids for x, y in zip(a, b))


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("objective", ["sft", "cpt"])
def test_cached_examples_are_the_examples_encode_files_gives(families, cache, cpt_file, name, objective):
    tok = load_tokenizer(families[name])
    paths, max_len = ([str(SAMPLE_QA)], 256) if objective == "sft" else ([str(cpt_file)], 64)
    expected, dropped = encode_files(tok, paths, objective, max_len)
    got = token_cache.cached_examples(tok, families[name], paths, objective, max_len)
    assert len(expected) > 10 and same(expected, got)
    assert got.meta["dropped"] == dropped
    assert list(got.lengths) == [len(e.input_ids) for e in expected]


def test_a_second_call_reads_the_cache_without_tokenising(families, cache, cpt_file, monkeypatch):
    base = families[FAMILIES[0]]
    tok = load_tokenizer(base)
    first = token_cache.cached_examples(tok, base, [str(cpt_file)], "cpt", 64)

    def no_tokenising(*_a, **_k):
        raise AssertionError("tokenised again")
    monkeypatch.setattr(type(tok), "__call__", no_tokenising)
    second = token_cache.cached_examples(tok, base, [str(cpt_file)], "cpt", 64)
    assert second.folder == first.folder and same(first, second)


def test_the_key_follows_data_tokenizer_and_length(families, tmp_path, cpt_file):
    base = families[FAMILIES[0]]
    key = token_cache.cache_key([str(cpt_file)], "cpt", 64, base)
    assert token_cache.cache_key([str(cpt_file)], "cpt", 64, base) == key
    assert token_cache.cache_key([str(cpt_file)], "cpt", 128, base) != key
    assert token_cache.cache_key([str(cpt_file)], "sft", 64, base) != key
    edited = tmp_path / "edited.jsonl"
    edited.write_text(cpt_file.read_text(encoding="utf-8") + json.dumps({"text": "one more"}) + "\n", encoding="utf-8")
    assert token_cache.cache_key([str(edited)], "cpt", 64, base) != key
    other = tmp_path / "other-tokenizer"
    shutil.copytree(base, other)
    config = json.loads((other / "tokenizer_config.json").read_text(encoding="utf-8"))
    config["chat_template"] = "{{ messages[0]['content'] }}"
    (other / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    assert token_cache.cache_key([str(cpt_file)], "cpt", 64, other) != key


def test_sft_in_a_process_pool_gives_the_same_examples(families, cache, monkeypatch):
    name = "gemma2" if "gemma2" in families else FAMILIES[0]  # Gemma 2 merges system turns: notes must survive
    tok = load_tokenizer(families[name])
    expected, _ = encode_files(tok, [str(SAMPLE_QA)], "sft", 256)
    monkeypatch.setattr(token_cache, "SFT_POOL_MIN", 10)
    got = token_cache.cached_examples(tok, families[name], [str(SAMPLE_QA)], "sft", 256)
    assert same(expected, got)
    if name == "gemma2":
        assert any("system message" in line for line in got.meta["notes"])


def test_a_failed_build_leaves_nothing_and_a_bad_line_is_named(families, cache, tmp_path):
    base = families[FAMILIES[0]]
    tok = load_tokenizer(base)
    bad = tmp_path / "bad.jsonl"
    lines = SAMPLE_QA.read_text(encoding="utf-8").splitlines()[:5]
    bad.write_text("\n".join(lines[:3] + ['{"messages": "not a list"}'] + lines[3:]) + "\n", encoding="utf-8")
    with pytest.raises(LatheError) as error:
        token_cache.cached_examples(tok, base, [str(bad)], "sft", 256)
    assert error.value.code == "data_invalid" and "line 4" in error.value.message
    assert not cache.exists() or not any(cache.iterdir()), "no half-written cache folder"


def test_a_full_disk_is_a_clear_error_and_leaves_nothing_simulated_enospc(families, cache, cpt_file, monkeypatch):
    """ENOSPC is raised by a patched writer (a real full disk needs a mount this test cannot make)."""
    base = families[FAMILIES[0]]

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(token_cache._Writer, "add_tokens", full)
    with pytest.raises(LatheError) as error:
        token_cache.cached_examples(load_tokenizer(base), base, [str(cpt_file)], "cpt", 64)
    assert error.value.code == "disk_full" and token_cache.ROOT_ENV in error.value.hint
    assert not any(cache.iterdir())


def test_a_repeat_run_reuses_the_tokens_and_trains_the_same(tmp_path, tiny_hf):
    root = tmp_path / "token-cache"
    env = {token_cache.ROOT_ENV: str(root)}
    runs = []
    for name in ("first", "second"):
        config = write_config(tmp_path / name, tiny_hf, max_steps=3, eval_every=0, checkpoint_every=0)
        runs.append(run_trainer("train", "--config", str(config), env=env))
        assert runs[-1].returncode == 0, runs[-1].stderr[-3000:]
    assert "token cache hit" not in runs[0].stderr and runs[1].stderr.count("token cache hit") == 2  # train + validation
    assert [m["loss"] for m in runs[0].of_type("metrics")] == [m["loss"] for m in runs[1].of_type("metrics")]
    assert len([p for p in root.iterdir() if not p.name.startswith(".")]) == 2
