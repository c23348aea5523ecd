"""Examples -> token ids and labels, and the seeded order they are fed in.

SFT: the base tokenizer's own chat template renders the conversation; labels are -100 everywhere except
the assistant turns' content and the end-of-turn token that closes them (the model must learn to stop),
found by character offsets so the tokenisation is exactly the one the template produces at inference.
CPT: plain texts, each followed by EOS, concatenated and cut into max_seq_len blocks; every token is a label.
Each block remembers where its documents start (position ids that restart at 0), so with packing the model
attends only within a document (see `collate`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..protocol import LatheError

IGNORE_INDEX = -100


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]
    position_ids: list[int] | None = None  # restart at 0 where a document starts (CPT blocks); None: 0..n-1
    source: int = 0                        # index of the recipe source it came from


def read_jsonl(path: str, objective: str) -> list:
    """[messages lists] for sft, [texts] for cpt; a bad line names its file and line number."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise LatheError("data_invalid", f"{Path(path).name} line {number} is not JSON ({exc}).",
                                 "Fix or remove that line; each line must be one JSON object.") from exc
            if objective == "sft":
                messages = row.get("messages") if isinstance(row, dict) else None
                if not isinstance(messages, list) or not all(isinstance(m, dict) and isinstance(m.get("role"), str)
                                                            and isinstance(m.get("content"), str) for m in messages):
                    raise LatheError("data_invalid", f"{Path(path).name} line {number} has no valid `messages` list.",
                                     "SFT examples look like {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, ...]}.")
                rows.append(messages)
            else:
                text = row.get("text") if isinstance(row, dict) else None
                if not isinstance(text, str):
                    raise LatheError("data_invalid", f"{Path(path).name} line {number} has no `text` string.",
                                     "Continued pre-training examples look like {\"text\": \"...\"}.")
                rows.append(text)
    return rows


def assistant_spans(tokenizer, messages: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans [start, end) the model is trained to write."""
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = tokenizer.apply_chat_template(messages[:i], tokenize=False, add_generation_prompt=True) if i else ""
        upto = tokenizer.apply_chat_template(messages[:i + 1], tokenize=False)
        if not text.startswith(upto) or not upto.startswith(prompt):
            raise LatheError("chat_template_unsupported",
                             "The base model's chat template does not render a conversation as a growing prefix.",
                             "Use a base model with a standard chat template (ChatML, Llama 3 and similar).")
        # Train on the content and the end-of-turn marker, not on whitespace the template adds after it.
        end = len(upto.rstrip())
        spans.append((len(prompt), end))
    return text, spans


def encode_sft(tokenizer, messages: list[dict], max_seq_len: int) -> Encoded:
    text, spans = assistant_spans(tokenizer, messages)
    encoded = tokenizer(text, return_offsets_mapping=True, add_special_tokens=True)
    ids = encoded["input_ids"][:max_seq_len]
    labels = []
    for token_id, (start, end) in zip(ids, encoded["offset_mapping"]):
        inside = end > start and any(s <= start and end <= e for s, e in spans)
        labels.append(token_id if inside else IGNORE_INDEX)
    return Encoded(ids, labels)


def encode_cpt(tokenizer, texts: list[str], max_seq_len: int) -> list[Encoded]:
    if not texts:
        return []
    eos = tokenizer.eos_token_id
    stream: list[int] = []
    positions: list[int] = []  # within its document; a block that starts mid-document restarts at 0 as well
    for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]:
        stream.extend(ids + [eos])
        positions.extend(range(len(ids) + 1))
    blocks = []
    for i in range(0, len(stream), max_seq_len):
        block, pos = stream[i:i + max_seq_len], positions[i:i + max_seq_len]
        offset, fixed = pos[0], []
        for p in pos:  # shift the leading partial document so the block starts at 0
            if p == 0:
                offset = 0
            fixed.append(p - offset)
        if len(block) > 1:
            blocks.append(Encoded(block, list(block), fixed))
    return blocks


def encode_files(tokenizer, paths: list[str], objective: str, max_seq_len: int) -> tuple[list[Encoded], int]:
    """Encoded examples and how many were dropped (no assistant token left after truncation)."""
    if objective == "cpt":
        texts = [t for path in paths for t in read_jsonl(path, "cpt")]
        return encode_cpt(tokenizer, texts, max_seq_len), 0
    examples, dropped = [], 0
    for path in paths:
        for messages in read_jsonl(path, "sft"):
            example = encode_sft(tokenizer, messages, max_seq_len)
            if any(label != IGNORE_INDEX for label in example.labels):
                examples.append(example)
            else:
                dropped += 1
    return examples, dropped


@dataclass
class Batch:
    input_ids: object                 # LongTensor [rows, width]
    labels: object                    # LongTensor, -100 where there is nothing to learn
    attention_mask: object | None     # padded rows; None when packed (the mask comes from position_ids)
    position_ids: object | None       # packed rows: restart at 0 for every example/document
    tokens: int                       # real tokens (no padding): what tokens/s counts

    @property
    def label_count(self) -> int:
        return int((self.labels[:, 1:] != IGNORE_INDEX).sum())

    def to(self, device) -> "Batch":
        move = (lambda t: None if t is None else t.to(device))
        return Batch(move(self.input_ids), move(self.labels), move(self.attention_mask), move(self.position_ids),
                     self.tokens)


def collate(examples: list[Encoded], pad_id: int, packed: bool = False, row_len: int | None = None) -> Batch:
    """Right-padded rows with an attention mask, or (packed) padding-free rows of several examples each.

    Packed: examples are laid end to end, in order, into rows of at most `row_len` tokens (one row when None);
    position ids restart at 0 where each example (or CPT document) starts and no attention mask is passed, so
    transformers builds a block-diagonal causal mask from the position ids (masking_utils
    `find_packed_sequence_indices`; SDPA and eager alike) and rotary positions are per example. The label at
    each restart is -100: the previous example's last token must not be trained to predict it. Rows shorter
    than the longest are filled with padding that forms its own segment (positions from 0, no labels), which
    no real token can see. Bounding rows by max_seq_len keeps SDPA's masked attention at most seq_len^2 per row.
    """
    import torch

    tokens = sum(len(e.input_ids) for e in examples)
    if packed:
        rows: list[list[Encoded]] = [[]]
        for e in examples:
            if rows[-1] and row_len and sum(len(x.input_ids) for x in rows[-1]) + len(e.input_ids) > row_len:
                rows.append([])
            rows[-1].append(e)
        width = max(sum(len(x.input_ids) for x in row) for row in rows)
        ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
        positions = torch.zeros((len(rows), width), dtype=torch.long)
        for r, row in enumerate(rows):
            at = 0
            for e in row:
                n = len(e.input_ids)
                pos = torch.tensor(e.position_ids or list(range(n)))
                ids[r, at:at + n] = torch.tensor(e.input_ids)
                labels[r, at:at + n] = torch.where(pos == 0, IGNORE_INDEX, torch.tensor(e.labels))
                positions[r, at:at + n] = pos
                at += n
            positions[r, at:] = torch.arange(width - at)
        return Batch(ids, labels, None, positions, tokens)
    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.input_ids)
        ids[row, :n] = torch.tensor(e.input_ids)
        labels[row, :n] = torch.tensor(e.labels)
        mask[row, :n] = 1
    return Batch(ids, labels, mask, None, tokens)


@dataclass
class DataPosition:
    """Where the sample stream is: the order of an epoch is a pure function of (seed, epoch)."""
    epoch: int = 0
    sample_index: int = 0  # samples already consumed in this epoch


def permutation_seed(seed: int, epoch: int, salt: int = 0) -> int:
    return seed * 1_000_003 + epoch + salt * 7_919


def shuffled_epoch(size: int, seed: int):
    """An epoch order function: a seeded permutation of all examples."""
    def order(epoch: int) -> list[int]:
        import torch

        generator = torch.Generator().manual_seed(permutation_seed(seed, epoch))
        return torch.randperm(size, generator=generator).tolist()
    return order


class SampleStream:
    """Seeded, resumable stream of example indices, epoch after epoch.

    A step takes the next `effective batch` samples; how they are split into micro-batches does not change
    which samples a step sees, so halving the micro-batch after an out-of-memory error keeps the order.
    """

    def __init__(self, epoch_order, position: DataPosition | None = None):
        self._epoch_order = epoch_order
        self.position = position or DataPosition()
        self._epoch = self._epoch_order(self.position.epoch)

    @property
    def epoch_length(self) -> int:
        return len(self._epoch)

    def take(self, count: int) -> list[int]:
        picked: list[int] = []
        while len(picked) < count:
            epoch, index = self.position.epoch, self.position.sample_index
            if index >= len(self._epoch):
                epoch, index = epoch + 1, 0
                self._epoch = self._epoch_order(epoch)
            chunk = self._epoch[index:index + count - len(picked)]
            picked.extend(chunk)
            self.position = DataPosition(epoch, index + len(chunk))
        return picked

    def rewind(self, position: DataPosition) -> None:
        if position.epoch != self.position.epoch:
            self._epoch = self._epoch_order(position.epoch)
        self.position = position
