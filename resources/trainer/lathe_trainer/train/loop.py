"""`train`: setup -> fit -> validate -> checkpoint, in that order, in one function you can read top to bottom.

Deliberately not transformers.Trainer: see README ("Why a lean loop"). The helpers hold the details:
config.py (run.json), data.py (tokenisation, masking, order), model.py (loading), checkpoint.py, manifest.py.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import signal
import time
from contextlib import nullcontext
from pathlib import Path

from .. import environment
from ..protocol import EXIT_CANCELLED, LatheError, ProtocolWriter, log
from . import checkpoint as ckpt
from .config import RunConfig, load_config
from .data import IGNORE_INDEX, BatchOrder, DataPosition, collate, encode_files
from .manifest import EventSummary, base_model_hashes, write_run_manifest
from .model import check_base_folder, load_model, load_tokenizer, pick_device, require_gpu_for


class Events:
    """The protocol writer plus a summary of what was emitted, for the run manifest."""

    def __init__(self, writer: ProtocolWriter):
        self.writer, self.summary = writer, EventSummary()

    def emit(self, type_: str, **fields) -> None:
        self.summary.record(type_, fields)
        self.writer.emit(type_, **fields)


class StopRequest:
    """While fitting, SIGTERM/SIGINT only set a flag: the loop stops at a step boundary and checkpoints there."""

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._previous: dict = {}

    def __enter__(self) -> "StopRequest":
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._note)
        return self

    def _note(self, signum, _frame) -> None:
        self.signal_name = signal.Signals(signum).name
        log(f"{self.signal_name}: stopping after this step")

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def learning_rate(step: int, c: RunConfig, total_steps: int) -> float:
    if step < c.warmup_steps:
        return c.lr * (step + 1) / c.warmup_steps
    progress = min(1.0, (step - c.warmup_steps) / max(1, total_steps - c.warmup_steps))
    shape = 0.5 * (1 + math.cos(math.pi * progress)) if c.schedule == "cosine" else 1 - progress
    return c.lr * (c.min_lr_ratio + (1 - c.min_lr_ratio) * shape)


def token_loss_sum(model, batch, device: str):
    """Summed next-token cross-entropy over label positions, in float32 (bf16 autocast on CUDA only)."""
    import torch
    import torch.nn.functional as F

    ids, mask, labels = (t.to(device) for t in batch)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else nullcontext()
    with autocast:
        logits = model(input_ids=ids, attention_mask=mask).logits
    logits = logits[:, :-1].float()
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1),
                           ignore_index=IGNORE_INDEX, reduction="sum")


def label_count(batch) -> int:
    return int((batch[2][:, 1:] != IGNORE_INDEX).sum())


def validate(model, examples, c: RunConfig, pad_id: int, device: str) -> float:
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(examples), c.micro_batch_size):
            batch = collate(examples[start:start + c.micro_batch_size], pad_id)
            total += float(token_loss_sum(model, batch, device))
            count += label_count(batch)
    model.train()
    return total / max(1, count)


def memory_bytes(device: str) -> int | None:
    import torch

    if device == "cuda":
        return int(torch.cuda.max_memory_allocated())
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # peak RSS; kilobytes on Linux
    except (ImportError, OSError):
        return None


def seed_everything(seed: int, device: str) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if device == "cpu":
        torch.use_deterministic_algorithms(True)


def run_training(writer: ProtocolWriter, config_path: Path, resume: Path | None) -> None:
    started = time.monotonic()
    c = load_config(config_path)  # a bad run.json fails here, before hello, like bad arguments
    events = Events(writer)

    # ---- setup -------------------------------------------------------------------------------------
    import torch

    device = pick_device(c.device)
    gpus, _ = environment.probe_gpus(torch)
    writer.hello("train", environment.versions(),
                 environment.best_device(gpus) if device == "cuda" else environment.cpu_device(), environment.memory())
    require_gpu_for(c.method, device)
    base = Path(c.base_model)
    base_weights = check_base_folder(base)
    fingerprint = c.fingerprint()
    resume_state = ckpt.read_state(resume) if resume else None
    if resume_state is not None and resume_state.get("config_fingerprint") != fingerprint:
        raise LatheError("resume_mismatch", f"{resume} was made with different training settings than {config_path.name}.",
                         "Resume with the run.json the checkpoint came from (only output, eval, checkpoint and "
                         "debug settings may change).")
    seed_everything(c.seed, device)

    writer.progress("setup", 0.0, "Tokenising the data.")
    tokenizer = load_tokenizer(base)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    train_set, dropped = encode_files(tokenizer, c.train_files, c.objective, c.max_seq_len)
    val_set, _ = encode_files(tokenizer, c.validation_files, c.objective, c.max_seq_len)
    if not train_set:
        raise LatheError("data_empty", "No training example has a token to learn from after truncation.",
                         "Add examples with assistant turns (SFT) or text (CPT), or raise `max_seq_len`.")
    if dropped:
        log(f"dropped {dropped} example(s) whose assistant turns fell beyond max_seq_len={c.max_seq_len}")

    writer.progress("setup", 0.0, f"Loading {base.name} for {c.method} on {device}.")
    model = load_model(base, c.method, c.lora, device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.ndim >= 2]
    no_decay = [p for p in trainable if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": c.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=c.lr, foreach=False)
    order = BatchOrder(len(train_set), c.micro_batch_size, c.seed)
    total_steps = c.max_steps or max(1, math.ceil(c.epochs * order.batches_per_epoch / c.grad_accum))
    step, position = 0, DataPosition()
    if resume is not None:
        state = ckpt.load_checkpoint(resume, model, optimizer, c.method)
        step, position = state["step"], DataPosition(**state["data_position"])
        ckpt.restore_rng(state["rng_tensors"], state["rng"])  # last: loading must not disturb the streams
        log(f"resumed from {resume} at step {step}")
    order = BatchOrder(len(train_set), c.micro_batch_size, c.seed, position)
    out = Path(c.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_trainable, n_total = sum(p.numel() for p in trainable), sum(p.numel() for p in model.parameters())
    writer.progress("train", step / total_steps, f"Training {n_trainable:,} of {n_total:,} parameters for "
                    f"{total_steps} steps on {len(train_set)} examples ({len(val_set)} for validation).")

    def save(at_step: int, at_position: DataPosition, loss: float | None) -> Path:
        state = {"step": at_step, "total_steps": total_steps, "loss": loss, "config_fingerprint": fingerprint,
                 "data_position": {"epoch": at_position.epoch, "batch_index": at_position.batch_index},
                 "permutation_seed": order.permutation_seed(at_position.epoch), "method": c.method}
        path, digest = ckpt.save_checkpoint(out / "checkpoints", at_step, model, optimizer, state)
        events.emit("checkpoint", path=str(path), step=at_step, sha256=digest)
        return path

    # The base model's validation loss, so a report can show what tuning changed (no RNG is consumed).
    if val_set and c.eval_at_start and step == 0:
        events.emit("eval", step=0, val_loss=validate(model, val_set, c, pad_id, device))

    # ---- fit ---------------------------------------------------------------------------------------
    model.train()
    loss_value, last_checkpoint = None, None
    every_progress = max(1, total_steps // 20)
    try:
        with StopRequest() as stop:
            while step < total_steps:
                t0 = time.monotonic()
                committed = order.position  # where to resume from if this step is abandoned
                lr = learning_rate(step, c, total_steps)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                batches = [collate([train_set[i] for i in order.next()], pad_id) for _ in range(c.grad_accum)]
                labels_in_step = max(1, sum(label_count(b) for b in batches))
                optimizer.zero_grad(set_to_none=True)
                loss_total = 0.0
                for batch in batches:
                    loss = token_loss_sum(model, batch, device) / labels_in_step
                    if c.debug_inject_nan_at_step == step + 1:
                        loss = loss * float("nan")
                    if not torch.isfinite(loss.detach()):
                        raise LatheError("non_finite_loss", f"The loss became {float(loss.detach())} at step {step + 1}; "
                                         "training stopped before applying it.",
                                         "Lower `lr` or raise `warmup_steps`, then resume from the last checkpoint "
                                         "or start again.")
                    loss.backward()
                    loss_total += float(loss.detach())
                    if stop.signal_name:
                        break
                if stop.signal_name:
                    order.position = committed
                    last_checkpoint = save(step, committed, loss_value)
                    raise LatheError("cancelled", f"Stopped by {stop.signal_name} at step {step}; checkpoint saved.",
                                     f"Continue later with --resume {last_checkpoint}.", exit_code=EXIT_CANCELLED)
                grad_norm = float(torch.nn.utils.clip_grad_norm_(trainable, c.grad_clip or float("inf")))
                if not math.isfinite(grad_norm):
                    raise LatheError("non_finite_loss", f"The gradient norm became {grad_norm} at step {step + 1}; "
                                     "training stopped before applying it.",
                                     "Lower `lr` or raise `warmup_steps`, then resume from the last checkpoint.")
                optimizer.step()
                step += 1
                loss_value = loss_total
                seconds = time.monotonic() - t0
                tokens = sum(int(b[1].sum()) for b in batches)
                events.emit("metrics", step=step, loss=loss_value, lr=lr, grad_norm=grad_norm,
                            tokens_per_s=round(tokens / max(seconds, 1e-9), 1), memory_bytes=memory_bytes(device))
                if step % every_progress == 0 or step == total_steps:
                    writer.progress("train", step / total_steps, f"step {step}/{total_steps} loss {loss_value:.4f}")

                # ---- validate ------------------------------------------------------------------------
                if val_set and ((c.eval_every and step % c.eval_every == 0) or step == total_steps):
                    events.emit("eval", step=step, val_loss=validate(model, val_set, c, pad_id, device))

                # ---- checkpoint ----------------------------------------------------------------------
                if (c.checkpoint_every and step % c.checkpoint_every == 0) or step == total_steps:
                    last_checkpoint = save(step, order.position, loss_value)
                if c.debug_stop_after_step == step and step < total_steps:
                    if last_checkpoint is None or not last_checkpoint.name.endswith(f"{step:06d}"):
                        last_checkpoint = save(step, order.position, loss_value)
                    log(f"debug_stop_after_step: stopping at step {step}")
                    break
    except torch.OutOfMemoryError as exc:
        raise LatheError("out_of_memory", f"The GPU ran out of memory at step {step + 1}.",
                         "Lower `micro_batch_size` (raise `grad_accum` to keep the effective batch) or "
                         "`max_seq_len`, or use method \"qlora\".") from exc

    # ---- output ------------------------------------------------------------------------------------
    final = out / ("model" if c.method == "full" else "adapter")
    staging = out / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        model.save_pretrained(staging, safe_serialization=True)
        if c.method == "full":
            tokenizer.save_pretrained(staging)  # a full model folder must load on its own
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    manifest = write_run_manifest(
        out, config=c.as_dict(), base_weights=base_model_hashes(base_weights),
        data_files={p: ckpt.sha256_file(Path(p)) for p in c.train_files + c.validation_files},
        device={"kind": device, "torch": torch.__version__}, output_dir=final,
        resumed_from=str(resume) if resume else None, steps=step, summary=events.summary, dropped_examples=dropped)
    writer.done({f"{final.name}_dir": str(final), "final_loss": loss_value, "steps": step, "total_steps": total_steps,
                 "completed": step >= total_steps, "checkpoint": str(last_checkpoint) if last_checkpoint else None,
                 "manifest": str(manifest), "seconds": round(time.monotonic() - started, 2)})
