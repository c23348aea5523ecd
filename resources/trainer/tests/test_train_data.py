"""Tokenisation and masking on token ids, in process: labels are -100 on everything but assistant turns."""

from __future__ import annotations

from lathe_trainer.train.data import IGNORE_INDEX, BatchOrder, DataPosition, encode_cpt, encode_sft

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


def test_batch_order_is_seeded_and_resumable():
    straight = BatchOrder(7, 2, seed=5)
    sequence = [straight.next() for _ in range(10)]
    assert sorted(i for batch in sequence[:4] for i in batch) == list(range(7))
    resumed = BatchOrder(7, 2, seed=5, position=DataPosition(epoch=1, batch_index=2))
    assert [resumed.next() for _ in range(4)] == sequence[6:10]
