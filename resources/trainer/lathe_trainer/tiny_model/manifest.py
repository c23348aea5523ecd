"""manifest.json of a tiny-model folder: what it was built from (the cache key) and what it holds.

The key covers everything that changes the output: corpus content, this builder's source, seed,
model and training settings, the llama.cpp converter and the GGUF type. A folder whose manifest has
the same key and whose files still match their hashes is reused instead of rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from ..hashing import sha256_file

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "lathe-tiny-model"
MANIFEST_VERSION = 1
MODEL_FILE = "hf/model.safetensors"
GGUF_FILE = "tiny.gguf"


def builder_source_sha256() -> str:
    """Hash of this package's .py files: editing the builder invalidates every cached tiny model."""
    folder = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def cache_key(inputs: dict) -> str:
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_entry(root: Path, relative: str) -> dict:
    path = root / relative
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def read_manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == MANIFEST_FORMAT else None


def reusable(folder: Path, key: str, required_files: list[str]) -> dict | None:
    """The manifest, if the folder was built with this key and its files are unchanged; else None."""
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("key") != key:
        return None
    files = manifest.get("files", {})
    # Every recorded file is checked (they are small), so an edited tokenizer or config is rebuilt too.
    for relative in sorted(set(required_files) | set(files)):
        entry = files.get(relative)
        path = folder / relative
        if not entry or not path.is_file() or sha256_file(path) != entry.get("sha256"):
            return None
    return manifest


def write_manifest(folder: Path, manifest: dict) -> None:
    manifest = {"format": MANIFEST_FORMAT, "manifest_version": MANIFEST_VERSION, **manifest}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
