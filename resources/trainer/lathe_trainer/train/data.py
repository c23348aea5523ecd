"""Examples -> token ids and labels, and the seeded order they are fed in.

SFT: the base tokenizer's own chat template renders the conversation; labels are -100 everywhere except
the assistant turns' content and the end-of-turn token that closes them (the model must learn to stop),
found by character offsets so the tokenisation is exactly the one the template produces at inference.
CPT: plain texts, each followed by EOS, concatenated and cut into max_seq_len blocks; every token is a label.
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
    for ids in tokenizer(texts, add_special_tokens=True)["input_ids"]:
        stream.extend(ids + [eos])
    blocks = [stream[i:i + max_seq_len] for i in range(0, len(stream), max_seq_len)]
    return [Encoded(block, list(block)) for block in blocks if len(block) > 1]


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


def collate(examples: list[Encoded], pad_id: int):
    """Right-padded tensors: input_ids, attention_mask, labels (-100 on padding)."""
    import torch

    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        n = len(e.input_ids)
        ids[row, :n] = torch.tensor(e.input_ids)
        labels[row, :n] = torch.tensor(e.labels)
        mask[row, :n] = 1
    return ids, mask, labels


@dataclass
class DataPosition:
    """Where the loader is: the permutation of an epoch is a pure function of (seed, epoch)."""
    epoch: int = 0
    batch_index: int = 0  # micro-batches already consumed in this epoch


class BatchOrder:
    """Seeded, resumable micro-batch order over a fixed list of examples."""

    def __init__(self, size: int, micro_batch_size: int, seed: int, position: DataPosition | None = None):
        self.size, self.micro_batch_size, self.seed = size, micro_batch_size, seed
        self.position = position or DataPosition()
        self.batches_per_epoch = -(-size // micro_batch_size)
        self._epoch_batches = self._batches_for(self.position.epoch)

    def permutation_seed(self, epoch: int) -> int:
        return self.seed * 1_000_003 + epoch

    def _batches_for(self, epoch: int) -> list[list[int]]:
        import torch

        generator = torch.Generator().manual_seed(self.permutation_seed(epoch))
        order = torch.randperm(self.size, generator=generator).tolist()
        return [order[i:i + self.micro_batch_size] for i in range(0, self.size, self.micro_batch_size)]

    def next(self) -> list[int]:
        if self.position.batch_index >= self.batches_per_epoch:
            self.position = DataPosition(self.position.epoch + 1, 0)
            self._epoch_batches = self._batches_for(self.position.epoch)
        batch = self._epoch_batches[self.position.batch_index]
        self.position = DataPosition(self.position.epoch, self.position.batch_index + 1)
        return batch
