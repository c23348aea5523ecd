"""Data recipes (several sources mixed by token share), the new run.json keys, and the QLoRA refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TRAINER_DIR, run_trainer
from test_train_sft import sample_conversations, write_config, write_jsonl

from lathe_trainer.protocol import LatheError
from lathe_trainer.train.config import RecipeSource, load_config
from lathe_trainer.train.data import SampleStream
from lathe_trainer.train.recipe import encode_recipe, recipe_order


def corpus_docs(limit: int) -> list[dict]:
    paths = sorted((TRAINER_DIR.parent / "samples" / "corpus").glob("*.txt"))
    return [{"text": b} for p in paths for b in p.read_text().split("\n\n") if b.strip()][:limit]


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recipe")
    text = write_jsonl(folder / "domain.jsonl", corpus_docs(60))
    chat = write_jsonl(folder / "qa.jsonl", sample_conversations(20))
    return folder, text, chat


def realised_shares(examples, order: list[int], count: int) -> list[float]:
    tokens = [0, 0]
    for i in order[:count]:
        tokens[examples[i].source] += len(examples[i].input_ids)
    return [t / sum(tokens) for t in tokens]


def test_mix_follows_the_token_ratio_and_the_seed(sources, tiny_hf):
    from transformers import AutoTokenizer

    _, text, chat = sources
    recipe = [RecipeSource(str(text), 3.0, "text"), RecipeSource(str(chat), 1.0, "chat")]
    examples, dropped, facts = encode_recipe(AutoTokenizer.from_pretrained(tiny_hf), recipe, max_seq_len=64)
    assert dropped == 0 and [f["share"] for f in facts] == [0.75, 0.25]
    assert [f["examples"] for f in facts] == [sum(e.source == s for e in examples) for s in (0, 1)]
    order = recipe_order(examples, recipe, seed=1)
    epoch = order(0)
    assert sum(len(examples[i].input_ids) for i in epoch) >= sum(f["tokens"] for f in facts)
    for prefix in (40, 120, len(epoch)):  # at every point of the stream, not only at the end
        share = realised_shares(examples, epoch, prefix)
        assert share[0] == pytest.approx(0.75, abs=0.04), (prefix, share)
    assert order(0) == recipe_order(examples, recipe, seed=1)(0), "deterministic for a seed"
    assert order(0) != recipe_order(examples, recipe, seed=2)(0) and order(1) != order(0)
    stream = SampleStream(order)
    assert stream.take(len(epoch) + 5)[:len(epoch)] == epoch
    # The chat source is smaller than its share of an epoch: it repeats in a fresh order rather than stopping.
    assert len([i for i in epoch if examples[i].source == 1]) > facts[1]["examples"]


def test_recipe_run_reports_the_mix_and_trains(sources, tiny_hf):
    folder, text, chat = sources
    config = write_config(folder, tiny_hf, data={"validation": ["val.jsonl"]}, max_steps=8, eval_every=0,
                          checkpoint_every=0, max_seq_len=64, micro_batch_size=4, grad_accum=1,
                          recipe=[{"path": text.name, "ratio": 1, "kind": "text"},
                                  {"path": chat.name, "ratio": 1, "kind": "chat"}])
    run = run_trainer("train", "--config", str(config))
    assert run.returncode == 0, run.stderr[-3000:]
    mix = [e for e in run.of_type("event") if e["kind"] == "data_mix"]
    assert len(mix) == 1 and [s["kind"] for s in mix[0]["sources"]] == ["text", "chat"]
    assert all(s["tokens"] > 0 and s["examples"] > 0 for s in mix[0]["sources"])
    manifest = json.loads(Path(run.last["payload"]["manifest"]).read_text())
    trained = [s["trained_tokens"] for s in manifest["data_mix"]]
    assert trained[0] / sum(trained) == pytest.approx(0.5, abs=0.1), trained
    assert set(manifest["data_files"]) >= {str(text), str(chat)}
    assert manifest["config"]["packing"] is True, "a recipe packs by default"


def _config(folder: Path, tiny_hf, **overrides) -> Path:
    return write_config(folder, tiny_hf, **overrides)


@pytest.mark.parametrize("overrides, key", [
    ({"recipe": [{"path": "train.jsonl", "ratio": 1, "kind": "prose"}], "data": {"validation": None}}, "recipe[0].kind"),
    ({"recipe": [{"path": "train.jsonl", "ratio": 0, "kind": "chat"}], "data": {"validation": None}}, "recipe[0].ratio"),
    ({"recipe": [{"path": "train.jsonl", "ratio": 1, "kind": "chat"}]}, "recipe"),  # and data.train as well
    ({"precision": "fp8"}, "precision"),
    ({"devices": 0}, "devices"),
    ({"devices": [0, 0]}, "devices"),
    ({"packing": "yes"}, "packing"),
    ({"heartbeat_seconds": -1}, "heartbeat_seconds"),
    ({"attn_implementation": "flash"}, "attn_implementation"),
])
def test_new_keys_are_validated_and_named(tmp_path, tiny_hf, overrides, key):
    with pytest.raises(LatheError) as caught:
        load_config(_config(tmp_path, tiny_hf, **overrides))
    assert caught.value.code == "bad_config" and f"`{key}`" in caught.value.message, caught.value.message


def test_new_keys_have_their_defaults(tmp_path, tiny_hf):
    c = load_config(_config(tmp_path, tiny_hf))
    # SFT packs by default on a family whose mask keeps packed examples apart, as the tiny Llama's does.
    assert (c.precision, c.gradient_checkpointing, c.attn_implementation, c.packing, c.devices, c.heartbeat_seconds) == \
        ("auto", False, "sdpa", True, 1, 10.0)
    assert load_config(_config(tmp_path, tiny_hf, packing=False)).packing is False
    assert load_config(_config(tmp_path, tiny_hf, objective="cpt")).packing is True
    assert load_config(_config(tmp_path, tiny_hf, devices=[2, 3])).world_size == 2


def test_qlora_without_bitsandbytes_points_at_the_gpu_extra_not_at_the_internet(tiny_hf):
    import importlib.util

    if importlib.util.find_spec("bitsandbytes") is not None:
        pytest.skip("bitsandbytes is installed here")
    from lathe_trainer.train.config import LoraSettings
    from lathe_trainer.train.model import load_model

    with pytest.raises(LatheError) as caught:  # checked before any weights are read, so no GPU is needed
        load_model(tiny_hf, "qlora", LoraSettings(), "cuda", "bf16")
    assert caught.value.code == "bitsandbytes_missing" and "npm run setup:python" in caught.value.hint
    assert "pip install" not in caught.value.hint, "an air-gapped machine cannot pip install"
