"""`make-tiny-model`: cache check, then tokenizer -> pre-train -> save -> GGUF, built in a temporary
sibling folder and renamed into place, so a killed build never leaves a folder that looks complete.

`progress.fraction` is the share of the whole command done so far.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .. import environment
from ..protocol import LatheError, ProtocolWriter, log
from . import gguf_convert, manifest as mf
from .corpus import documents, load_corpus
from .pretrain import MODEL_CONFIG, TrainSettings
from .tokenizer import SENTENCEPIECE_OPTIONS

# Share of the progress bar each stage takes, measured on a 2-core machine.
STAGE_END = {"tokenizer": 0.05, "pretrain": 0.85, "save": 0.9, "convert": 1.0}


@dataclass(frozen=True)
class BuildRequest:
    out: Path
    seed: int = 0
    steps: int | None = None
    corpus: Path | None = None
    llama_cpp_src: Path | None = None
    outtype: str = "f16"
    gguf: bool = True


def make_tiny_model(writer: ProtocolWriter, request: BuildRequest) -> None:
    started = time.monotonic()
    writer.hello("make-tiny-model", environment.versions(), environment.cpu_device(), environment.memory())
    out = request.out.expanduser().resolve()

    # Everything that can fail cheaply is checked before any folder is created.
    corpus = load_corpus(request.corpus)
    settings = TrainSettings(**({"steps": request.steps} if request.steps else {}))
    source = gguf_convert.resolve_source(request.llama_cpp_src) if request.gguf else None
    key_inputs = {
        "corpus_sha256": corpus.sha256,
        "builder_sha256": mf.builder_source_sha256(),
        "seed": request.seed,
        "model_config": MODEL_CONFIG,
        "train_settings": settings.as_dict(),
        "sentencepiece": SENTENCEPIECE_OPTIONS,
        "gguf": {"llama_cpp": source.identity, "outtype": request.outtype} if source else None,
    }
    key = mf.cache_key(key_inputs)
    required = [mf.MODEL_FILE] + ([mf.GGUF_FILE] if request.gguf else [])

    cached = mf.reusable(out, key, required)
    if cached is not None:
        writer.progress("cache", 1.0, f"Reusing the tiny model in {out} (same inputs, files unchanged).")
        writer.done(_payload(out, cached, cached=True, seconds=time.monotonic() - started))
        return

    _check_replaceable(out)
    _remove_stale_siblings(out)
    staging = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    try:
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "hf").mkdir(parents=True)
        built = _build(writer, request, corpus, settings, source, staging)
        built.update(key=key, key_inputs=key_inputs)
        built["seconds"]["total"] = round(time.monotonic() - started, 2)
        mf.write_manifest(staging, built)
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result = mf.read_manifest(out)
    log(f"tiny model built in {result['seconds']['total']:.1f} s (final loss {result['final_loss']:.3f}): {out}")
    writer.done(_payload(out, result, cached=False, seconds=time.monotonic() - started))


def _build(writer, request, corpus, settings, source, staging: Path) -> dict:
    from . import pretrain, tokenizer  # torch and transformers load only when a build is needed

    seconds: dict[str, float] = {}
    hf_dir = staging / "hf"
    llama_cpp = None
    if source is not None:
        t = time.monotonic()
        writer.progress("llama_cpp", 0.0, "Preparing llama.cpp's GGUF converter.")
        llama_cpp = gguf_convert.checkout(source)
        seconds["llama_cpp_checkout"] = round(time.monotonic() - t, 2)

    t = time.monotonic()
    docs = documents(corpus)
    writer.progress("tokenizer", 0.01, f"Training a {tokenizer.VOCAB_SIZE}-piece tokenizer on {len(corpus.files)} "
                                       f"files ({corpus.chars} characters).")
    sp_model = staging / "sentencepiece.model"
    tokenizer.train_sentencepiece(docs, sp_model)
    tokenizer.write_hf_tokenizer(sp_model, hf_dir)
    seconds["tokenizer"] = round(time.monotonic() - t, 2)

    t = time.monotonic()
    threads = environment.compute_threads()
    pretrain.configure_determinism(request.seed, threads)
    stream = pretrain.token_stream(docs, sp_model, settings)
    model = pretrain.build_model(request.seed)
    params = sum(p.numel() for p in model.parameters())
    writer.progress("pretrain", STAGE_END["tokenizer"],
                    f"Pre-training {params:,} parameters on {len(stream):,} tokens for {settings.steps} steps "
                    f"({threads} threads).")
    every = max(1, settings.steps // 20)
    span = STAGE_END["pretrain"] - STAGE_END["tokenizer"]

    def report(step: int, loss: float, elapsed: float) -> None:
        if step % every == 0 or step == settings.steps:
            writer.progress("pretrain", STAGE_END["tokenizer"] + span * step / settings.steps,
                            f"step {step}/{settings.steps} loss {loss:.3f} ({elapsed:.0f} s)")

    losses = pretrain.fit(model, stream, settings, request.seed, report)
    seconds["pretrain"] = round(time.monotonic() - t, 2)

    t = time.monotonic()
    samples = pretrain.greedy_samples(model, sp_model)
    for prompt, text in samples.items():
        log(f"sample {prompt!r} -> {text!r}")
    pretrain.save_model(model, hf_dir)
    sp_model.unlink()
    seconds["save"] = round(time.monotonic() - t, 2)
    writer.progress("save", STAGE_END["save"], "Saved the HF folder.")

    gguf_info = None
    if llama_cpp is not None:
        t = time.monotonic()
        writer.progress("convert", STAGE_END["save"], f"Converting to GGUF ({request.outtype}) with llama.cpp.")
        gguf_convert.convert(llama_cpp, hf_dir, staging / mf.GGUF_FILE, request.outtype)
        gguf_info = gguf_convert.describe(staging / mf.GGUF_FILE)
        seconds["convert"] = round(time.monotonic() - t, 2)
        writer.progress("convert", STAGE_END["convert"], "GGUF written.")

    files = {p.relative_to(staging).as_posix(): mf.file_entry(staging, p.relative_to(staging).as_posix())
             for p in sorted(staging.rglob("*")) if p.is_file()}
    tail = losses[-min(20, len(losses)):]
    return {
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "files": files,
        "model_sha256": files[mf.MODEL_FILE]["sha256"],
        "gguf_sha256": files[mf.GGUF_FILE]["sha256"] if gguf_info else None,
        "parameters": params,
        "tokens": len(stream),
        "threads": threads,
        "first_loss": losses[0],
        "final_loss": sum(tail) / len(tail),  # mean of the last steps: one batch is noisy
        "samples": samples,
        "gguf_info": gguf_info,
        "seconds": seconds,
        "versions": environment.versions(),
    }


def _check_replaceable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise LatheError("output_not_folder", f"{out} exists and is not a folder.", "Choose another --out path.")
    if out.is_dir() and any(out.iterdir()) and mf.read_manifest(out) is None:
        raise LatheError("output_not_tiny_model", f"{out} already holds files that are not a Lathe tiny model.",
                         "Choose an empty or new --out folder; Lathe only replaces folders it built itself.")


def _remove_stale_siblings(out: Path) -> None:
    """Leftovers of builds that were killed (their process no longer exists)."""
    if not out.parent.is_dir() or os.name != "posix":
        return
    for sibling in out.parent.glob(f"{out.name}.*-*"):
        tag, _, pid = sibling.name[len(out.name) + 1:].partition("-")
        if tag not in ("tmp", "old") or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(sibling, ignore_errors=True)
        except PermissionError:
            pass  # alive, someone else's


def _publish(staging: Path, out: Path) -> None:
    # Two renames: out is either the old complete model, missing for an instant, or the new complete one.
    old = None
    if out.exists():
        old = out.with_name(f"{out.name}.old-{os.getpid()}")
        os.rename(out, old)
    os.rename(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _payload(out: Path, manifest: dict, cached: bool, seconds: float) -> dict:
    has_gguf = manifest.get("gguf_sha256") is not None
    return {
        "cached": cached,
        "out": str(out),
        "hf_dir": str(out / "hf"),
        "gguf": str(out / mf.GGUF_FILE) if has_gguf else None,
        "manifest": str(out / mf.MANIFEST_NAME),
        "key": manifest["key"],
        "model_sha256": manifest["model_sha256"],
        "gguf_sha256": manifest.get("gguf_sha256"),
        "final_loss": manifest["final_loss"],
        "build_seconds": manifest["seconds"]["total"],
        "seconds": round(seconds, 2),
        "samples": manifest.get("samples", {}),
        "gguf_info": manifest.get("gguf_info"),
    }
