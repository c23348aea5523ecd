"""The chunked loss (train/loss.py) against the plain full-logits loss, on every family fixture, in process.

Same summed cross-entropy and the same LoRA gradients, padded and packed, fp32 and bf16 autocast; the output
head never sees more rows than a chunk while the model runs over zero rows; a family we do not know gets the
plain loss.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from conftest import TRAINER_DIR
from lathe_trainer.testing.families import FAMILIES, available, build_family
from lathe_trainer.train.config import LoraSettings
from lathe_trainer.train.data import collate, encode_sft
from lathe_trainer.train.loss import CHUNK_ENV, chunked_head_for, token_loss_sum
from lathe_trainer.train.model import load_model, load_tokenizer

NAMES = [name for name in FAMILIES if available(name)]
SAMPLE_QA = TRAINER_DIR.parent / "samples" / "northwind-qa.jsonl"


@pytest.fixture(scope="module")
def family_dirs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("loss-families")
    return {name: build_family(name, root / name, dtype="float32") for name in NAMES}


def _batch(tokenizer, packed: bool):
    rows = [json.loads(line)["messages"] for line in SAMPLE_QA.read_text(encoding="utf-8").splitlines()[:3]]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    return collate([encode_sft(tokenizer, m, 256) for m in rows], pad, packed, 512)


def _loss_and_grads(model, batch, head, autocast):
    import torch

    model.zero_grad(set_to_none=True)
    loss = token_loss_sum(model, batch, head, autocast)
    loss.backward()
    return float(loss), torch.cat([p.grad.flatten() for p in model.parameters() if p.requires_grad])


@pytest.mark.parametrize("packed", [False, True], ids=["padded", "packed"])
@pytest.mark.parametrize("name", NAMES)
def test_chunked_loss_equals_the_plain_loss_and_its_gradients(family_dirs, name, packed, monkeypatch):
    import torch

    monkeypatch.setenv(CHUNK_ENV, "16")  # many chunks, the last one short
    base = family_dirs[name]
    torch.manual_seed(0)
    model = load_model(base, "lora", LoraSettings(rank=8, alpha=16, dropout=0.0), "cpu")
    head = chunked_head_for(model, "cpu")
    assert head is not None, f"{name} should use the chunked loss"
    batch = _batch(load_tokenizer(base), packed)
    assert int((batch.labels != -100).sum()) > 3 * 16
    plain_loss, plain_grads = _loss_and_grads(model, batch, None, contextlib.nullcontext())
    loss, grads = _loss_and_grads(model, batch, head, contextlib.nullcontext())
    assert loss == pytest.approx(plain_loss, rel=1e-5)
    assert float((grads - plain_grads).abs().max()) <= 1e-4 * float(plain_grads.abs().max())

    bf16 = lambda: torch.autocast("cpu", dtype=torch.bfloat16)  # noqa: E731 - the GPU's mixed precision, on CPU
    plain_bf16, plain_bf16_grads = _loss_and_grads(model, batch, None, bf16())
    loss_bf16, grads_bf16 = _loss_and_grads(model, batch, head, bf16())
    assert loss_bf16 == pytest.approx(plain_bf16, rel=2e-3)
    cosine = torch.nn.functional.cosine_similarity(grads_bf16, plain_bf16_grads, dim=0)
    assert float(cosine) > 0.999


def test_the_head_never_sees_more_than_a_chunk_of_rows(family_dirs, monkeypatch):
    monkeypatch.setenv(CHUNK_ENV, "8")
    base = family_dirs[NAMES[0]]
    model = load_model(base, "lora", LoraSettings(rank=4, alpha=8, dropout=0.0), "cpu")
    head = chunked_head_for(model, "cpu")
    seen = []
    hook = head.head.register_forward_hook(lambda _m, _i, out: seen.append(out.shape[:-1].numel()))
    try:
        batch = _batch(load_tokenizer(base), packed=True)
        token_loss_sum(model, batch, head, contextlib.nullcontext()).backward()
    finally:
        hook.remove()
    labels = int((batch.labels[:, 1:] != -100).sum())
    assert seen[0] == 0, "the model's own head call must compute no logits"
    assert max(seen) <= 8
    # forward chunks + their recomputation in backward cover exactly the labelled rows, twice
    assert sum(seen) == 2 * labels
    assert batch.input_ids.numel() > labels, "prompt positions are never projected onto the vocabulary"


def test_a_family_we_do_not_know_gets_the_plain_loss(family_dirs):
    base = family_dirs[NAMES[0]]
    model = load_model(base, "lora", LoraSettings(rank=4, alpha=8, dropout=0.0), "cpu")
    model.get_base_model().config.model_type = "somethingnew"
    assert chunked_head_for(model, "cpu") is None
