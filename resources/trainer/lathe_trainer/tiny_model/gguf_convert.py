"""GGUF conversion with llama.cpp's own convert_hf_to_gguf.py, from the source node-llama-cpp ships.

node-llama-cpp carries the exact llama.cpp it was built from as `llama/gitRelease.bundle`. Converting
with that source guarantees the GGUF matches the runtime that will load it. The bundle is cloned once
into a cache folder keyed by its hash, and the converter runs with this same Python and with
PYTHONPATH=<clone>/gguf-py, so converter and gguf-py are always the same version.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..protocol import LatheError, log
from ..hashing import sha256_file as _sha256_file

BUNDLE_ENV = "LATHE_LLAMA_CPP_BUNDLE"
CONVERTER = "convert_hf_to_gguf.py"
COMPLETE_MARKER = ".lathe-clone-complete"


@dataclass(frozen=True)
class LlamaCppSource:
    path: Path       # a git bundle file or a llama.cpp source folder
    is_bundle: bool
    identity: str    # sha256 of the bundle, or of the converter sources in a folder; part of the cache key


def default_bundle_path() -> Path:
    # lathe_trainer/tiny_model/gguf_convert.py -> <repo>/node_modules/node-llama-cpp/llama/gitRelease.bundle
    return Path(__file__).resolve().parents[4] / "node_modules" / "node-llama-cpp" / "llama" / "gitRelease.bundle"


def cache_root() -> Path:
    if os.environ.get("LATHE_CACHE_DIR"):
        return Path(os.environ["LATHE_CACHE_DIR"]).expanduser()
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "lathe" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "lathe"


def _sha256_sources(folder: Path) -> str:
    digest = hashlib.sha256()
    files = [folder / CONVERTER, *sorted((folder / "conversion").glob("*.py")),
             *sorted((folder / "gguf-py" / "gguf").glob("*.py"))]
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + _sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def resolve_source(explicit: Path | None) -> LlamaCppSource:
    """--llama-cpp-src, else $LATHE_LLAMA_CPP_BUNDLE, else node-llama-cpp's bundle next to this package."""
    candidate = explicit or (Path(os.environ[BUNDLE_ENV]) if os.environ.get(BUNDLE_ENV) else default_bundle_path())
    candidate = candidate.expanduser().resolve()
    if candidate.is_dir() and (candidate / CONVERTER).is_file():
        return LlamaCppSource(candidate, False, _sha256_sources(candidate))
    if candidate.is_file():
        return LlamaCppSource(candidate, True, _sha256_file(candidate))
    raise LatheError(
        "llama_cpp_missing", f"No llama.cpp source found at {candidate}.",
        "Install node-llama-cpp 3.21.1 (npm ci), or pass --llama-cpp-src with its llama/gitRelease.bundle "
        f"or a llama.cpp folder (or set {BUNDLE_ENV}); use --no-gguf to skip the GGUF.")


def checkout(source: LlamaCppSource) -> Path:
    """A llama.cpp working tree holding the converter; clones a bundle once per bundle hash."""
    if not source.is_bundle:
        return source.path
    target = cache_root() / "llama.cpp" / source.identity[:16]
    if (target / COMPLETE_MARKER).is_file():
        return target
    git = shutil.which("git")
    if git is None:
        raise LatheError("git_missing", "git is needed once to unpack llama.cpp's converter from node-llama-cpp.",
                         "Install git and run again, or pass --llama-cpp-src with an unpacked llama.cpp folder.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    log(f"cloning {source.path} into {target}")
    result = subprocess.run([git, "-c", "advice.detachedHead=false", "clone", "--quiet", str(source.path), str(staging)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0 or not (staging / CONVERTER).is_file():
        shutil.rmtree(staging, ignore_errors=True)
        raise LatheError("llama_cpp_clone_failed", f"git clone of {source.path} failed: {result.stdout.strip()[-500:]}",
                         "Reinstall node-llama-cpp (npm ci) so its llama/gitRelease.bundle is intact, then run again.")
    (staging / COMPLETE_MARKER).write_text(source.identity + "\n", encoding="ascii")
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)  # an old clone interrupted before its marker was written
    try:
        os.rename(staging, target)
    except OSError:
        # Another build finished the same clone first; use theirs.
        shutil.rmtree(staging, ignore_errors=True)
        if not (target / COMPLETE_MARKER).is_file():
            raise
    return target


def convert(llama_cpp: Path, hf_dir: Path, out_file: Path, outtype: str) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(llama_cpp / "gguf-py")
    env.pop("NO_LOCAL_GGUF", None)
    command = [sys.executable, str(llama_cpp / CONVERTER), str(hf_dir), "--outfile", str(out_file),
               "--outtype", outtype, "--model-name", "Lathe Tiny Llama"]
    log("running " + " ".join(command))
    # stdout=stderr: the converter's chatter must never reach the protocol stream.
    result = subprocess.run(command, env=env, cwd=str(llama_cpp), stdout=sys.stderr.fileno(),
                            stderr=subprocess.PIPE, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0 or not out_file.is_file():
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise LatheError("gguf_conversion_failed", f"convert_hf_to_gguf.py exited with {result.returncode}: {tail}",
                         "Check the trainer log; a llama.cpp source that does not match the installed gguf/torch "
                         "can cause this - reinstall node-llama-cpp 3.21.1 and the trainer requirements.")


def describe(gguf_file: Path) -> dict:
    """Facts read back from the written GGUF, to prove the chat template and stop token made it in."""
    from gguf import GGUFReader

    reader = GGUFReader(gguf_file)

    def value(key: str):
        field = reader.get_field(key)
        return None if field is None else field.contents()

    template = value("tokenizer.chat_template")
    eos = value("tokenizer.ggml.eos_token_id")
    tokens = value("tokenizer.ggml.tokens") or []
    return {
        "architecture": value("general.architecture"),
        "name": value("general.name"),
        "tokenizer_model": value("tokenizer.ggml.model"),
        "vocab_size": len(tokens),
        "bos_token_id": value("tokenizer.ggml.bos_token_id"),
        "eos_token_id": eos,
        "eos_token": tokens[eos] if isinstance(eos, int) and eos < len(tokens) else None,
        "has_chat_template": bool(template),
        "tensor_count": len(reader.tensors),
    }
