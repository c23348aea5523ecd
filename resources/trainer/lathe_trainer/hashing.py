"""Content hashes for files: weights, checkpoints, data and the tiny model's manifest all use this one."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: Path | str) -> str:
    """sha256 of a file, read in 1 MiB blocks so multi-GB weights never sit in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
