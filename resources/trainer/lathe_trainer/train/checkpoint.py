"""Checkpoints that a crash cannot half-write, and that resume a run exactly.

A checkpoint folder `checkpoints/step-NNNNNN` holds:
  weights/       adapter_model.safetensors + adapter_config.json (LoRA) or model*.safetensors (full)
  optimizer.pt   the optimizer's state dict (tensors and numbers only: read back with weights_only=True)
  rng.safetensors + trainer_state.json
                 step, data position (epoch, batch index, permutation seed), RNG states of python, numpy
                 and torch, the config fingerprint, and the loss history so far
  rng-rank-R.safetensors
                 with several processes, the RNG of each rank R > 0 (each draws its own dropout masks;
                 their python/numpy parts are in trainer_state.json's "rng_by_rank")
  checksums.json the sha256 of every other file, written last; a resume checks them all first and refuses a
                 checkpoint whose files were altered, truncated or removed (integrity, not a signature: whoever
                 can rewrite the files can rewrite this one too)
It is written into a hidden temporary sibling and renamed into place with os.replace, so a folder named
step-N is always complete.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
from pathlib import Path

from ..protocol import LatheError
from .model import load_weights, save_weights
from ..hashing import sha256_file

STATE_FILE = "trainer_state.json"
OPTIMIZER_FILE = "optimizer.pt"
RNG_FILE = "rng.safetensors"
CHECKSUMS_FILE = "checksums.json"
WEIGHTS_DIR = "weights"


def weights_sha256(folder: Path) -> str:
    """sha256 of the single weights file, or of the ordered shard hashes when there are several."""
    files = sorted(folder.glob("*.safetensors"))
    if len(files) == 1:
        return sha256_file(files[0])
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def capture_rng() -> tuple[dict, dict]:
    """(tensors for rng.safetensors, JSON-able parts)."""
    import numpy as np
    import torch

    version, python_state, gauss = random.getstate()
    np_kind, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    tensors = {"torch": torch.get_rng_state(), "numpy_keys": torch.from_numpy(np_keys.astype(np.int64))}
    if torch.cuda.is_available():
        for index, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"cuda_{index}"] = state
    meta = {"python": [version, list(python_state), gauss],
            "numpy": [np_kind, int(np_pos), int(np_has_gauss), float(np_gauss)]}
    return tensors, meta


def restore_rng(tensors: dict, meta: dict) -> None:
    import numpy as np
    import torch

    version, python_state, gauss = meta["python"]
    random.setstate((version, tuple(python_state), gauss))
    kind, pos, has_gauss, cached = meta["numpy"]
    np.random.set_state((kind, tensors["numpy_keys"].numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(tensors["torch"])
    cuda = [tensors[k] for k in sorted(tensors) if k.startswith("cuda_")]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)


def capture_torch_rng() -> dict:
    """Just torch's generators (dropout), for retrying a step in memory; cheap, nothing written."""
    import torch

    return {"cpu": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def restore_torch_rng(state: dict) -> None:
    import torch

    torch.set_rng_state(state["cpu"])
    if state["cuda"] is not None:
        torch.cuda.set_rng_state_all(state["cuda"])


def rank_rng_file(rank: int) -> str:
    return RNG_FILE if rank == 0 else f"rng-rank-{rank}.safetensors"


def save_checkpoint(root: Path, step: int, model, optimizer, state: dict,
                    rng_by_rank: list[tuple[dict, dict]] | None = None, model_state: dict | None = None,
                    optimizer_state: dict | None = None) -> tuple[Path, str]:
    """Writes checkpoints/step-N atomically; returns its path and the weights' sha256. `rng_by_rank`: every
    process's `capture_rng()` (gathered on rank 0); None for a single process (its own is taken).
    `model_state`/`optimizer_state`: whole state dicts gathered from sharded processes (FSDP), else read here."""
    import torch
    from safetensors.torch import save_file

    root.mkdir(parents=True, exist_ok=True)
    final = root / f"step-{step:06d}"
    staging = root / f".tmp-step-{step:06d}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        save_weights(model, staging / WEIGHTS_DIR, model_state)
        torch.save(optimizer_state if optimizer_state is not None else optimizer.state_dict(), staging / OPTIMIZER_FILE)
        ranks = rng_by_rank or [capture_rng()]
        for rank, (rng_tensors, _meta) in enumerate(ranks):
            save_file({k: v.contiguous() for k, v in rng_tensors.items()}, str(staging / rank_rng_file(rank)))
        metas = {"rng": ranks[0][1], **({"rng_by_rank": [meta for _, meta in ranks]} if len(ranks) > 1 else {})}
        (staging / STATE_FILE).write_text(json.dumps({**state, **metas, "checksummed": True}, indent=1) + "\n",
                                          encoding="utf-8")
        sums = {str(p.relative_to(staging)): sha256_file(p) for p in sorted(staging.rglob("*")) if p.is_file()}
        (staging / CHECKSUMS_FILE).write_text(json.dumps(sums, indent=1) + "\n", encoding="utf-8")
        digest = weights_sha256(staging / WEIGHTS_DIR)
        if final.exists():  # a re-run over the same step: the new one wins
            aside = root / f".old-{final.name}-{os.getpid()}"
            os.replace(final, aside)
            shutil.rmtree(aside, ignore_errors=True)
        os.replace(staging, final)
    except Exception as exc:
        if disk_full(exc, root):
            raise LatheError("disk_full", f"The disk holding {root} is full ({free_text(root)} free): checkpoint step "
                             f"{step} was not written (nothing half-written was left).",
                             "Free space on that disk, then resume the run from its latest checkpoint in "
                             f"{root} (those are untouched).") from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final, digest


def disk_full(exc: BaseException, where: Path) -> bool:
    """ENOSPC anywhere in the exception chain, or a write error (torch's "file write failed") with no space left."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        seen = seen.__cause__ or seen.__context__
    try:
        return shutil.disk_usage(where).free < 1 << 20
    except OSError:
        return False


def free_text(where: Path) -> str:
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return "unknown"
    return f"{free / 2**20:.1f} MiB" if free >= 2**20 else f"{free // 1024} KiB"


def prune(root: Path, keep: int, best_step: int | None) -> list[int]:
    """Removes checkpoints beyond the newest `keep` (0: none removed), sparing the one at `best_step` (lowest
    validation loss); returns the steps removed. Each is moved aside before it is deleted, so a crash mid-way
    never leaves a folder named step-N that is half gone."""
    if keep <= 0:
        return []
    steps = sorted(int(p.name.removeprefix("step-")) for p in root.glob("step-*") if p.name[5:].isdigit())
    doomed = [s for s in steps[:-keep] if s != best_step]
    for step in doomed:
        folder = root / f"step-{step:06d}"
        aside = root / f".old-{folder.name}-{os.getpid()}"
        os.replace(folder, aside)
        shutil.rmtree(aside, ignore_errors=True)
    return doomed


def read_state(folder: Path, verify: bool = True) -> dict:
    """trainer_state.json, after checking every file against checksums.json (checkpoints written before checksums
    existed have neither the file nor the "checksummed" mark, and are read as before)."""
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LatheError("checkpoint_unreadable", f"{folder} is not a complete Lathe checkpoint ({exc}).",
                         "Pass --resume with a checkpoints/step-N folder written by a Lathe run.") from exc
    if verify and (state.get("checksummed") or (folder / CHECKSUMS_FILE).exists()):
        verify_checksums(folder)
    return state


def verify_checksums(folder: Path) -> None:
    try:
        sums = json.loads((folder / CHECKSUMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _corrupt(folder, f"its {CHECKSUMS_FILE} is missing or unreadable") from exc
    for name, expected in sums.items():
        path = folder / name
        if not path.is_file():
            raise _corrupt(folder, f"{name} is missing")
        if sha256_file(path) != expected:
            raise _corrupt(folder, f"{name} is not the file that was saved (its sha256 differs)")


def _corrupt(folder: Path, what: str) -> LatheError:
    return LatheError("checkpoint_corrupt", f"The checkpoint {folder.name} cannot be trusted: {what}.",
                      "Resume from another checkpoint of this run (checkpoints/step-N), or start the run again.")


def load_checkpoint_weights(folder: Path, model, method: str) -> None:
    """The checkpoint's weights into the (not yet wrapped or sharded) model, on every process."""
    load_weights(model, folder / WEIGHTS_DIR, method)


def load_checkpoint(folder: Path, load_optimizer, rank: int = 0) -> dict:
    """The optimizer state (through `load_optimizer(state_dict)`) and trainer_state.json with this rank's RNG in
    "rng" and "rng_tensors" (not yet restored). The weights were loaded before, by `load_checkpoint_weights`."""
    import torch
    from safetensors.torch import load_file

    state = read_state(folder, verify=False)  # verified once, when the run started (loop.py)
    rng_file = folder / rank_rng_file(rank)
    if rank > 0 and (not rng_file.is_file() or len(state.get("rng_by_rank", [])) <= rank):
        raise LatheError("checkpoint_unreadable", f"{folder} holds no random-number state for process {rank}.",
                         "Resume with the same `devices` the checkpoint was made with, from a checkpoint this "
                         "version of Lathe wrote.")
    load_optimizer(torch.load(folder / OPTIMIZER_FILE, map_location="cpu", weights_only=True))
    if rank > 0:
        state["rng"] = state["rng_by_rank"][rank]
    state["rng_tensors"] = load_file(str(rng_file))
    return state
