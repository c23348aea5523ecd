"""Examples -> token ids and labels, and the seeded order they are fed in.

SFT: the base tokenizer's own chat template renders the conversation (token ids exactly as
`apply_chat_template(tokenize=True)` gives them: no second BOS); labels are -100 everywhere except the
assistant turns' content and the end-of-turn token that closes them (the model must learn to stop), see
`lathe_trainer.chat_template`. CPT: plain texts, each with one BOS where the tokenizer uses one and followed
by EOS, concatenated and cut into max_seq_len blocks; every token is a label.
Each block remembers where its documents start (position ids that restart at 0), so with packing the model
attends only within a document (see `collate`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..chat_template import IGNORE_INDEX, encode_chat, encode_text
from ..protocol import LatheError, log


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]
    position_ids: list[int] | None = None  # restart at 0 where a document starts (CPT blocks); None: 0..n-1
    source: int = 0                        # index of the recipe source it came from
    notes: tuple[str, ...] = ()            # what rendering had to change (see chat_template.prepare)

    @property
    def token_count(self) -> int:
        return len(self.input_ids)


@dataclass(frozen=True)
class Chat:
    """One SFT line: the conversation and the tools its template is told about (None: no tools)."""
    messages: list[dict]
    tools: list[dict] | None = None


def read_jsonl(path: str, objective: str) -> list:
    """[Chat] for sft, [texts] for cpt; a bad line names its file and line number."""
    return [row for _, row in iter_jsonl(path, objective)]


def json_rows(path: str, on_bytes=None):
    """(line number, parsed JSON) of every non-blank line; `on_bytes(n)` hears the bytes read so far."""
    read = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            read += len(line)
            if on_bytes is not None and number % 4096 == 0:
                on_bytes(read)
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except ValueError as exc:
                raise LatheError("data_invalid", f"{Path(path).name} line {number} is not JSON ({exc}).",
                                 "Fix or remove that line; each line must be one JSON object.") from exc


def iter_jsonl(path: str, objective: str, on_bytes=None):
    """(line number, row) one at a time, as `read_jsonl` checks them; `on_bytes(n)` hears the bytes read so far."""
    for number, row in json_rows(path, on_bytes):
        if objective == "sft":
            messages = row.get("messages") if isinstance(row, dict) else None
            problem = messages_problem(messages) or tools_problem(row.get("tools"))
            if problem:
                raise LatheError("data_invalid", f"{Path(path).name} line {number}: {problem}",
                                 "SFT examples look like {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, ...]} "
                                 "(see the trainer README for tool calls, tools and weights).")
            yield number, Chat(messages, row.get("tools") or None)
        else:
            text = row.get("text") if isinstance(row, dict) else None
            if not isinstance(text, str):
                raise LatheError("data_invalid", f"{Path(path).name} line {number} has no `text` string.",
                                 "Continued pre-training examples look like {\"text\": \"...\"}.")
            yield number, text


def messages_problem(messages, what: str = "`messages`") -> str | None:
    """What is wrong with a list of chat messages, or None. A message: {"role", "content", "weight"?: 0|1,
    "tool_calls"?: [{"id"?, "type": "function", "function": {"name", "arguments"}}], "tool_call_id"?, "name"?,
    "reasoning"?}; `content` may be "" (or null) in an assistant message that only calls tools."""
    if not isinstance(messages, list) or not messages:
        return f"{what} is not a non-empty list of messages."
    for index, m in enumerate(messages, 1):
        where = f"{what} message {index}"
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            return f"{where} has no `role` string."
        calls = m.get("tool_calls")
        if not isinstance(m.get("content"), str) and not (m.get("content") is None and calls):
            return f"{where} has no `content` string."
        if m.get("weight", 1) not in (0, 1) or isinstance(m.get("weight"), bool):
            return f"{where} has `weight` {m.get('weight')!r}; it must be 0 (not trained) or 1."
        for key in ("tool_call_id", "name", "reasoning"):
            if m.get(key) is not None and not isinstance(m[key], str):
                return f"{where} has a `{key}` that is not a string."
        if calls is not None:
            if m["role"] != "assistant" or not isinstance(calls, list) or not all(
                    isinstance(c, dict) and isinstance(c.get("function"), dict)
                    and isinstance(c["function"].get("name"), str)
                    and isinstance(c["function"].get("arguments", "{}"), (str, dict)) for c in calls):
                return (f"{where} has `tool_calls` that are not assistant tool calls "
                        "[{\"type\": \"function\", \"function\": {\"name\": ..., \"arguments\": \"{...}\"}}].")
    return None


def tools_problem(tools) -> str | None:
    if tools is None:
        return None
    if not isinstance(tools, list) or not all(isinstance(t, dict) and isinstance(t.get("function"), dict)
                                              and isinstance(t["function"].get("name"), str) for t in tools):
        return "`tools` is not a list of {\"type\": \"function\", \"function\": {\"name\", \"description\", \"parameters\"}}."
    return None


def encode_sft(tokenizer, messages: list[dict] | Chat, max_seq_len: int, tools: list[dict] | None = None) -> Encoded:
    """The ids `apply_chat_template(messages, tools=tools, tokenize=True)` gives (see `chat_template.encode_chat`),
    labels on the assistant turns' content (tool calls included; not turns with weight 0) and end-of-turn tokens,
    cut to max_seq_len. `messages` may be a whole `Chat` (a `read_jsonl` row), tools included."""
    if isinstance(messages, Chat):
        messages, tools = messages.messages, messages.tools
    chat = encode_chat(tokenizer, messages, tools)
    return Encoded(chat.input_ids[:max_seq_len], chat.labels[:max_seq_len], notes=chat.notes)


def encode_cpt(tokenizer, texts: list[str], max_seq_len: int) -> list[Encoded]:
    if not texts:
        return []
    eos = tokenizer.eos_token_id
    stream: list[int] = []
    positions: list[int] = []  # within its document; a block that starts mid-document restarts at 0 as well
    for text in texts:
        ids = encode_text(tokenizer, text)  # one BOS where the tokenizer uses one, never an EOS of its own
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


def note_summary(examples: list[Encoded]) -> list[str]:
    """What had to change to render the examples (e.g. a system message merged into the first user turn),
    one line per kind with its count, for the caller to show."""
    counts: dict[str, int] = {}
    for example in examples:
        for note in example.notes:
            counts[note] = counts.get(note, 0) + 1
    return [f"{note} in {count} example{'s' if count != 1 else ''}" for note, count in counts.items()]


def encode_files(tokenizer, paths: list[str], objective: str, max_seq_len: int) -> tuple[list[Encoded], int]:
    """Encoded examples and how many were dropped (no assistant token left after truncation)."""
    if objective == "cpt":
        texts = [t for path in paths for t in read_jsonl(path, "cpt")]
        return encode_cpt(tokenizer, texts, max_seq_len), 0
    examples, dropped = [], 0
    base = Path(str(getattr(tokenizer, "name_or_path", "") or "base model")).name
    for path in paths:
        encoded = []
        for number, chat in enumerate(read_jsonl(path, "sft"), 1):
            try:
                encoded.append(encode_sft(tokenizer, chat.messages, max_seq_len, chat.tools))
            except LatheError as exc:
                raise LatheError(exc.code, f"{Path(path).name} example {number}: {exc.message}", exc.hint,
                                 exc.exit_code) from exc
        for line in note_summary(encoded):  # never silently: e.g. Gemma has no system role
            log(f"{Path(path).name} with {base}: {line}")
        kept = [e for e in encoded if any(label != IGNORE_INDEX for label in e.labels)]
        examples.extend(kept)
        dropped += len(encoded) - len(kept)
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
        # CUDA: through pinned memory and without waiting, so the copy overlaps what the GPU is still doing.
        cuda = str(device).startswith("cuda")

        def move(t):
            return None if t is None else t.pin_memory().to(device, non_blocking=True) if cuda else t.to(device)

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
