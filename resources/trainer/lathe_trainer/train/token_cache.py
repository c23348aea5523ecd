"""Pre-tokenised training data, memory-mapped: a multi-GB corpus is tokenised once, with bounded memory.

`cached_examples(...)` returns the examples `data.encode_files` would (the same ids, labels and position ids; a
test compares them), read lazily from a cache folder instead of held as Python lists. The folder's name is a
hash of everything the tokens depend on: the data files' contents, the objective, max_seq_len, the tokenizer's
files (vocabulary, merges, chat template) and the encoding code itself (data.py, chat_template.py, this file), so
a changed input or a fixed bug never reads stale tokens, and a resume or a repeat run with the same inputs reads
them instead of tokenising again.

Layout of `<root>/<key>/`, written into a hidden sibling and renamed into place (a folder with that name is
complete; two runs building the same key at once both succeed, one rename wins):
  ids.u32      every example's token ids, end to end (uint32)
  flags.u8     per token: bit 0 = trains (label = the id), bit 1 = a document starts here (CPT position 0)
  offsets.i64  example i is tokens [offsets[i], offsets[i+1])
  meta.json    counts, dropped examples, rendering notes, the key's inputs

CPT streams the texts in batches through the fast tokenizer (whose batch encode runs on all cores) and writes
as it goes: memory holds one batch, whatever the corpus size; blocks are every max_seq_len tokens of the stream,
as in `encode_cpt`. SFT renders each conversation with the chat template (Python per example), in a process pool
when there are many. The root is $LATHE_TOKEN_CACHE_DIR, else <Lathe cache>/token-cache.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..chat_template import IGNORE_INDEX, adds_bos
from ..hashing import sha256_file
from ..protocol import LatheError, log
from .data import Encoded, encode_sft, iter_jsonl

FORMAT = 1
ROOT_ENV = "LATHE_TOKEN_CACHE_DIR"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                   "added_tokens.json", "vocab.json", "merges.txt", "chat_template.jinja", "chat_template.json")
CODE_FILES = (Path(__file__).with_name("data.py"), Path(__file__), Path(__file__).parents[1] / "chat_template.py")
CPT_BATCH = 1024          # texts per fast-tokenizer call
SFT_POOL_MIN = 2_000      # conversations from which SFT rendering uses a process pool
TRAINS, DOC_START = 1, 2


def cache_root() -> Path:
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV])
    if os.environ.get("LATHE_CACHE_DIR"):
        return Path(os.environ["LATHE_CACHE_DIR"]) / "token-cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lathe" / "token-cache"


def cache_key(paths: list[str], objective: str, max_seq_len: int, base: Path) -> str:
    parts = {"format": FORMAT, "objective": objective, "max_seq_len": max_seq_len,
             "data": [sha256_file(Path(p)) for p in paths],
             "tokenizer": {n: sha256_file(base / n) for n in TOKENIZER_FILES if (base / n).is_file()},
             "code": [sha256_file(p) for p in CODE_FILES]}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


class CachedExamples(Sequence):
    """The examples of one cache folder, as `Encoded` on access (ids read from the memory map)."""

    def __init__(self, folder: Path, source: int = 0):
        import numpy as np

        self.folder, self.source = folder, source
        self.meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self._ids = _map(folder / "ids.u32", np.uint32)
        self._flags = _map(folder / "flags.u8", np.uint8)
        self._offsets = np.fromfile(folder / "offsets.i64", dtype=np.int64)
        self.lengths = np.diff(self._offsets)
        self.positions = self.meta["objective"] == "cpt"

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index):
        import numpy as np

        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        a, b = int(self._offsets[index]), int(self._offsets[index + 1])
        ids = self._ids[a:b].astype(np.int64)
        flags = self._flags[a:b]
        labels = np.where(flags & TRAINS, ids, IGNORE_INDEX)
        positions = None
        if self.positions:  # position within its document; a block that starts mid-document counts from 0
            at = np.arange(b - a)
            positions = (at - np.maximum.accumulate(np.where(flags & DOC_START, at, 0))).tolist()
        return Encoded(ids.tolist(), labels.tolist(), positions, source=self.source)


def _map(path: Path, dtype):
    import numpy as np

    return np.memmap(path, dtype=dtype, mode="r") if path.stat().st_size else np.zeros(0, dtype=dtype)


class ConcatExamples(Sequence):
    """Several sources' examples as one sequence, each tagged with its source index (recipes)."""

    def __init__(self, parts: list[CachedExamples]):
        import numpy as np

        self.parts = parts
        self.starts = np.cumsum([0] + [len(p) for p in parts])
        self.lengths = np.concatenate([p.lengths for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        self.sources = np.concatenate([np.full(len(p), p.source) for p in parts]) if parts else np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, index):
        import numpy as np

        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        part = int(np.searchsorted(self.starts, index, side="right")) - 1
        return self.parts[part][index - int(self.starts[part])]


def cached_examples(tokenizer, base: Path, paths: list[str], objective: str, max_seq_len: int,
                    progress=None, source: int = 0) -> CachedExamples:
    """The encoded examples of `paths`, from the cache or tokenised into it now. `progress(fraction, text)`."""
    root = cache_root()
    key = cache_key(paths, objective, max_seq_len, Path(base))
    folder = root / key
    if (folder / "meta.json").is_file():
        log(f"token cache hit: {folder}")
        examples = CachedExamples(folder, source)
        for line in examples.meta["notes"]:
            log(line)
        return examples
    staging = root / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        writer = _Writer(staging)
        if objective == "cpt":
            with _rust_threads():
                _tokenise_cpt(tokenizer, paths, max_seq_len, writer, progress)
        else:
            _tokenise_sft(tokenizer, base, paths, max_seq_len, writer, progress)
        writer.finish({"format": FORMAT, "key": key, "objective": objective, "max_seq_len": max_seq_len,
                       "paths": [str(p) for p in paths]})
        try:
            os.replace(staging, folder)
        except OSError:
            if not (folder / "meta.json").is_file():  # not "someone else finished it first"
                raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise LatheError("disk_full", f"The disk is full: the tokenised data could not be written to {root}.",
                             f"Free space there, or point {ROOT_ENV} at a disk with room (the tokens take about "
                             "5 bytes each).") from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return CachedExamples(folder, source)


def shared_examples(tokenizer, base: Path, paths: list[str], objective: str, max_seq_len: int, dist,
                    progress=None, source: int = 0) -> CachedExamples | list:
    """`cached_examples` for every process of a run: rank 0 tokenises, the others wait and then read its cache."""
    if not paths:
        return []
    examples = cached_examples(tokenizer, base, paths, objective, max_seq_len, progress, source) if dist.is_main else None
    dist.barrier()
    return examples if examples is not None else cached_examples(tokenizer, base, paths, objective, max_seq_len,
                                                                 None, source)


class _rust_threads:
    """Lets the fast tokenizer's batch encode use every core while the cache is built (__main__ turns that off
    for the rest of the process, where forked workers and Rust threads do not mix)."""

    def __enter__(self):
        self.before = os.environ.get("TOKENIZERS_PARALLELISM")
        os.environ["TOKENIZERS_PARALLELISM"] = "true"

    def __exit__(self, *exc):
        if self.before is None:
            os.environ.pop("TOKENIZERS_PARALLELISM", None)
        else:
            os.environ["TOKENIZERS_PARALLELISM"] = self.before


class _Writer:
    """Appends examples to the cache files; memory holds what one call passes, nothing more."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ids = open(folder / "ids.u32", "wb")
        self.flags = open(folder / "flags.u8", "wb")
        self.offsets = [0]
        self.tokens, self.dropped, self.notes = 0, 0, {}

    def add_tokens(self, ids, flags) -> None:
        import numpy as np

        np.asarray(ids, dtype=np.uint32).tofile(self.ids)
        np.asarray(flags, dtype=np.uint8).tofile(self.flags)
        self.tokens += len(ids)

    def end_example(self) -> None:
        self.offsets.append(self.tokens)

    def finish(self, meta: dict) -> None:
        import numpy as np

        self.ids.close()
        self.flags.close()
        np.asarray(self.offsets, dtype=np.int64).tofile(self.folder / "offsets.i64")
        notes = [f"{note} in {count} example{'s' if count != 1 else ''}" for note, count in self.notes.items()]
        for line in notes:
            log(line)
        meta.update(examples=len(self.offsets) - 1, tokens=self.tokens, dropped=self.dropped, notes=notes)
        (self.folder / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def _reporter(paths: list[str], progress):
    total = sum(max(1, Path(p).stat().st_size) for p in paths)
    done = [0]

    def report(path_index: int, read: int) -> None:
        if progress is not None:
            before = sum(max(1, Path(p).stat().st_size) for p in paths[:path_index])
            done[0] = before + read
            progress(min(1.0, done[0] / total), f"Tokenising {Path(paths[path_index]).name}: "
                     f"{done[0] / 2**20:,.0f} of {total / 2**20:,.0f} MiB.")
    return report


def _tokenise_cpt(tokenizer, paths: list[str], max_seq_len: int, writer: _Writer, progress) -> None:
    """The stream `encode_cpt` builds (one BOS where the tokenizer uses one, EOS after each text), cut into
    max_seq_len blocks; a last block of one token is dropped, as there."""
    import numpy as np

    bos = tokenizer.bos_token_id if adds_bos(tokenizer) else None
    eos = tokenizer.eos_token_id
    report = _reporter(paths, progress)
    pending_ids: list[np.ndarray] = []
    pending_flags: list[np.ndarray] = []
    carry = [np.zeros(0, np.uint32), np.zeros(0, np.uint8)]  # tokens not yet forming a whole block

    def flush(final: bool) -> None:
        ids = np.concatenate([carry[0], *pending_ids]) if pending_ids else carry[0]
        flags = np.concatenate([carry[1], *pending_flags]) if pending_flags else carry[1]
        pending_ids.clear()
        pending_flags.clear()
        whole = len(ids) // max_seq_len * max_seq_len
        for start in range(0, whole, max_seq_len):
            writer.add_tokens(ids[start:start + max_seq_len], flags[start:start + max_seq_len])
            writer.end_example()
        carry[0], carry[1] = ids[whole:], flags[whole:]
        if final and len(carry[0]) > 1:
            writer.add_tokens(carry[0], carry[1])
            writer.end_example()

    batch: list[str] = []

    def encode_batch() -> None:
        for ids in tokenizer(batch, add_special_tokens=False)["input_ids"]:
            if bos is not None and ids[:1] != [bos]:
                ids = [bos] + ids
            ids = np.asarray(ids + [eos], dtype=np.uint32)
            flags = np.full(len(ids), TRAINS, dtype=np.uint8)
            flags[0] |= DOC_START
            pending_ids.append(ids)
            pending_flags.append(flags)
        batch.clear()
        flush(final=False)

    for index, path in enumerate(paths):
        for _, text in iter_jsonl(path, "cpt", on_bytes=lambda n, i=index: report(i, n)):
            batch.append(text)
            if len(batch) >= CPT_BATCH:
                encode_batch()
    if batch:
        encode_batch()
    flush(final=True)


def _encode_one(args):
    chat, max_seq_len = args
    return _encode_sft_flags(_POOL_TOKENIZER, chat, max_seq_len)


_POOL_TOKENIZER = None


def _pool_init(base: str) -> None:
    global _POOL_TOKENIZER
    from .model import load_tokenizer

    _POOL_TOKENIZER = load_tokenizer(Path(base))


def _encode_sft_flags(tokenizer, chat, max_seq_len: int):
    """(ids, flags, notes), or a LatheError's parts as a dict (exceptions with extra fields do not cross a pool)."""
    try:
        e = encode_sft(tokenizer, chat.messages, max_seq_len, chat.tools)
    except LatheError as exc:
        return {"code": exc.code, "message": exc.message, "hint": exc.hint, "exit_code": exc.exit_code}
    return e.input_ids, [TRAINS if label != IGNORE_INDEX else 0 for label in e.labels], e.notes


def _tokenise_sft(tokenizer, base: Path, paths: list[str], max_seq_len: int, writer: _Writer, progress) -> None:
    """`encode_sft` per conversation; conversations without a token to learn are dropped and counted."""
    report = _reporter(paths, progress)
    rows = [(i, n, m) for i, p in enumerate(paths) for n, m in iter_jsonl(p, "sft", lambda r, i=i: report(i, r))]
    workers = min(os.cpu_count() or 1, 8)
    pool = None
    if len(rows) >= SFT_POOL_MIN and workers > 1:
        import multiprocessing

        pool = multiprocessing.get_context("spawn").Pool(workers, _pool_init, (str(base),))
    try:
        results = pool.imap(_encode_one, ((m, max_seq_len) for _, _, m in rows), chunksize=64) if pool else \
            (_encode_sft_flags(tokenizer, m, max_seq_len) for _, _, m in rows)
        for (_path_index, _number, _), outcome in zip(rows, _numbered(results, rows, paths)):
            ids, flags, notes = outcome
            for note in notes:
                writer.notes[note] = writer.notes.get(note, 0) + 1
            if not any(flags):
                writer.dropped += 1
                continue
            writer.add_tokens(ids, flags)
            writer.end_example()
    finally:
        if pool is not None:
            pool.terminate()


def _numbered(results, rows, paths):
    """Raises an encoding error with the file and line it came from."""
    for (path_index, number, _), outcome in zip(rows, results):
        if isinstance(outcome, dict):
            raise LatheError(outcome["code"], f"{Path(paths[path_index]).name} line {number}: {outcome['message']}",
                             outcome["hint"], outcome["exit_code"])
        yield outcome
