"""remote.py manifest: the hashes Lathe compares after staging, and the cache that spares a base model's rehash."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from lathe_trainer.remote import manifest


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_model(root: Path) -> None:
    (root / "sub").mkdir(parents=True)
    (root / "model.safetensors").write_bytes(b"weights" * 1000)
    (root / "config.json").write_text('{"a": 1}')
    (root / "sub" / "tokenizer.json").write_text("{}")
    (root / ".lathe").mkdir()
    (root / ".lathe" / "events.jsonl").write_text("x\n")


def test_hashes_every_file_once_then_keeps_the_hashes_of_unchanged_files(tmp_path: Path) -> None:
    root, cache = tmp_path / "model", tmp_path / "model.lathe-hashes.json"
    make_model(root)
    first = manifest(root, [".lathe"], cache)
    assert first["hashed"] == 3
    assert first["files"] == {"config.json": sha(b'{"a": 1}'), "model.safetensors": sha(b"weights" * 1000), "sub/tokenizer.json": sha(b"{}")}
    assert manifest(root, [".lathe"], cache) == {**first, "hashed": 0}

    # rsync writes a changed file as a new file renamed into place (a new inode): it is hashed again.
    fresh = root / "config.json.tmp"
    fresh.write_text('{"a": 2}')
    os.replace(fresh, root / "config.json")
    again = manifest(root, [".lathe"], cache)
    assert again["hashed"] == 1 and again["files"]["config.json"] == sha(b'{"a": 2}')


def test_a_damaged_or_foreign_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    root, cache = tmp_path / "model", tmp_path / "hashes.json"
    make_model(root)
    for junk in ["not json", "[1, 2]", json.dumps({"config.json": "nonsense"})]:
        cache.write_text(junk)
        result = manifest(root, [".lathe"], cache)
        assert result["files"]["config.json"] == sha(b'{"a": 1}')
    assert json.loads(cache.read_text())["config.json"][3] == sha(b'{"a": 1}')


def test_without_a_cache_it_hashes_every_time_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "run"
    make_model(root)
    assert manifest(root, [], None)["hashed"] == 4
    assert manifest(root, [], None)["hashed"] == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
