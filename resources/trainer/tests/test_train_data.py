"""Tokenisation and masking on token ids, in process: labels are -100 on everything but assistant turns."""

from __future__ import annotations

import pytest

from lathe_trainer.train.data import (IGNORE_INDEX, DataPosition, Encoded, SampleStream, collate, encode_cpt,
                                     encode_sft, shuffled_epoch)
from lathe_trainer.train.model import enable_checkpointing

CONVERSATION = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "What is a feeder?"},
    {"role": "assistant", "content": "A line from a substation."},
    {"role": "user", "content": "And a recloser?"},
    {"role": "assistant", "content": "A breaker that closes again."},
]


def tokenizer_for(tiny_hf):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_hf)


def test_sft_labels_only_assistant_content_and_its_end_of_turn(tiny_hf):
    tok = tokenizer_for(tiny_hf)
    encoded = encode_sft(tok, CONVERSATION, max_seq_len=512)
    ids, labels = encoded.input_ids, encoded.labels
    assert ids == tok(tok.apply_chat_template(CONVERSATION, tokenize=False))["input_ids"]
    trained = [i for i, label in enumerate(labels) if label != IGNORE_INDEX]
    assert all(labels[i] == ids[i] for i in trained)

    # Expected from the template alone: each assistant turn's tokens after "<|im_start|>assistant\n", through <|im_end|>.
    expected = []
    for turn in (2, 4):
        prompt = tok(tok.apply_chat_template(CONVERSATION[:turn], tokenize=False, add_generation_prompt=True))["input_ids"]
        upto = tok(tok.apply_chat_template(CONVERSATION[:turn + 1], tokenize=False))["input_ids"]
        assert upto[-2:] == [tok.convert_tokens_to_ids("<|im_end|>"), tok("\n", add_special_tokens=False)["input_ids"][-1]]
        expected += list(range(len(prompt), len(upto) - 1))
    assert trained == expected
    spans = tok.decode([ids[i] for i in trained])
    assert spans == "A line from a substation.<|im_end|>A breaker that closes again.<|im_end|>"
    im_start = tok.convert_tokens_to_ids("<|im_start|>")
    assert all(labels[i] == IGNORE_INDEX for i, t in enumerate(ids) if t in (im_start, tok.bos_token_id))


def test_sft_truncates_to_max_seq_len(tiny_hf):
    encoded = encode_sft(tokenizer_for(tiny_hf), CONVERSATION, max_seq_len=16)
    assert len(encoded.input_ids) == len(encoded.labels) == 16


def test_cpt_packs_blocks_with_eos_separators(tiny_hf):
    tok = tokenizer_for(tiny_hf)
    blocks = encode_cpt(tok, ["The substation.", "A feeder line carries power."], max_seq_len=8)
    stream = [t for b in blocks for t in b.input_ids]
    assert all(len(b.input_ids) <= 8 for b in blocks) and all(b.labels == b.input_ids for b in blocks)
    assert stream.count(tok.eos_token_id) == 2 and stream[-1] == tok.eos_token_id


def test_sample_stream_is_seeded_resumable_and_independent_of_the_micro_batch():
    straight = SampleStream(shuffled_epoch(7, seed=5))
    sequence = [straight.take(2) for _ in range(10)]
    flat = [i for batch in sequence for i in batch]
    assert sorted(flat[:7]) == list(range(7)) and sorted(flat[7:14]) == list(range(7)), "whole epochs, then the next"
    assert flat[:7] != flat[7:14], "each epoch has its own permutation"
    resumed = SampleStream(shuffled_epoch(7, seed=5), DataPosition(epoch=1, sample_index=5))
    assert resumed.take(8) == flat[12:20]
    in_fours = SampleStream(shuffled_epoch(7, seed=5))
    assert [i for _ in range(5) for i in in_fours.take(4)] == flat, "the same order whatever the step size"
    other = SampleStream(shuffled_epoch(7, seed=6))
    assert other.take(7) != flat[:7]


def test_cpt_blocks_restart_positions_at_each_document(tiny_hf):
    tok = tokenizer_for(tiny_hf)
    docs = ["The substation feeds the town.", "A recloser closes again after a fault.", "Feeder."]
    blocks = encode_cpt(tok, docs, max_seq_len=10)
    lengths = [len(ids) + 1 for ids in tok(docs)["input_ids"]]  # + EOS
    expected = [p for n in lengths for p in range(n)]
    for index, block in enumerate(blocks):
        chunk = expected[index * 10:(index + 1) * 10]
        first_start = chunk.index(0) if 0 in chunk else len(chunk)
        # A block starting mid-document counts from 0 as well; later documents restart at 0.
        assert block.position_ids == list(range(first_start)) + chunk[first_start:], (index, block.position_ids)


def _loss(model, batch):
    import torch.nn.functional as F

    logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask, position_ids=batch.position_ids,
                   use_cache=False).logits[:, :-1].float()
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.labels[:, 1:].reshape(-1),
                           ignore_index=IGNORE_INDEX, reduction="sum")


def test_packed_batch_gives_the_loss_of_separate_padded_examples(tiny_hf):
    """Padding-free packing must not let examples see each other: same summed loss and gradients."""
    import torch
    from transformers import AutoModelForCausalLM

    tok = tokenizer_for(tiny_hf)
    model = AutoModelForCausalLM.from_pretrained(tiny_hf, attn_implementation="sdpa", dtype=torch.float32)
    convs = [CONVERSATION, CONVERSATION[:3], [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]]
    examples = [encode_sft(tok, c, 512) for c in convs]
    packed = collate(examples, tok.eos_token_id, packed=True)
    padded = collate(examples, tok.eos_token_id, packed=False)
    assert packed.input_ids.shape == (1, sum(len(e.input_ids) for e in examples)) and packed.attention_mask is None
    assert packed.label_count == padded.label_count and packed.tokens == padded.tokens
    separate = sum(float(_loss(model, collate([e], tok.eos_token_id)).detach()) for e in examples)
    assert float(_loss(model, packed).detach()) == pytest.approx(separate, abs=1e-4, rel=1e-5)
    assert float(_loss(model, padded).detach()) == pytest.approx(separate, abs=1e-4, rel=1e-5)
    # Rows bounded by a length: the first two examples share a row, the third starts the next one (padded).
    lengths = [len(e.input_ids) for e in examples]
    rows = collate(examples, tok.eos_token_id, packed=True, row_len=lengths[0] + lengths[1])
    assert rows.input_ids.shape == (2, lengths[0] + lengths[1]) and rows.tokens == packed.tokens
    assert rows.label_count == packed.label_count
    assert float(_loss(model, rows).detach()) == pytest.approx(separate, abs=1e-4, rel=1e-5)
    # Without the position-id restarts the examples would attend to each other: a different loss.
    flat = collate([Encoded(sum((e.input_ids for e in examples), []), sum((e.labels for e in examples), []))],
                   tok.eos_token_id, packed=True)
    assert abs(float(_loss(model, flat).detach()) - separate) > 1e-2


def test_gradient_checkpointing_gives_the_same_loss_and_gradients(tiny_hf):
    import torch
    from transformers import AutoModelForCausalLM

    tok = tokenizer_for(tiny_hf)
    batch = collate([encode_sft(tok, CONVERSATION, 512), encode_sft(tok, CONVERSATION[:3], 512)], tok.eos_token_id)
    results = []
    for checkpointing in (False, True):
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_pretrained(tiny_hf, attn_implementation="sdpa", dtype=torch.float32)
        model.config.attention_dropout = 0.0
        if checkpointing:
            enable_checkpointing(model)
        model.train()
        loss = _loss(model, batch)
        loss.backward()
        results.append((float(loss), torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])))
    assert getattr(model, "is_activation_checkpointing", None) or model.is_gradient_checkpointing
    assert results[0][0] == pytest.approx(results[1][0], abs=1e-5)
    assert torch.allclose(results[0][1], results[1][1], atol=1e-5)
