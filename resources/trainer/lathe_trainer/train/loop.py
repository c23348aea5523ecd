"""`train`: setup -> fit -> validate -> checkpoint, in that order, in one function you can read top to bottom.

Deliberately not transformers.Trainer: see README ("Why a lean loop"). The helpers hold the details:
config.py (run.json), data.py (tokenisation, masking, packing, order), recipe.py (mixing sources),
model.py (loading, precision), step.py (forward/backward and the out-of-memory fallback), preference_step.py (the
same for dpo/orpo/simpo/kto), distributed.py (torchrun + DDP), checkpoint.py, manifest.py.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import signal
import time
from pathlib import Path

from .. import environment
from ..heartbeat import Heartbeat
from ..no_remote_code import refuse_custom_code
from ..protocol import EXIT_CANCELLED, LatheError, ProtocolWriter, log
from . import checkpoint as ckpt
from .config import RunConfig, load_config
from .data import DataPosition, SampleStream, shuffled_epoch
from .distributed import Dist, inside_torchrun, relaunch, unwrap
from .manifest import EventSummary, base_model_hashes, write_run_manifest
from .model import (FP16_SCALE_ENV, check_base_folder, load_model, load_tokenizer, pick_device, require_gpu_for,
                    resolve_attention, resolve_precision, save_weights)
from .loss import chunked_head_for
from .preference_data import encode_preference_files
from .preference_step import PreferenceObjective, precompute_reference
from .recipe import encode_recipe, recipe_order
from .step import FakeOOM, MicroBatching, StepSettings, TokenObjective, step_with_fallback
from .token_cache import shared_examples


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


def memory_bytes(device: str) -> int | None:
    import torch

    if device.startswith("cuda"):
        return int(torch.cuda.max_memory_allocated(device))
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


def run_training(writer: ProtocolWriter, config_path: Path, resume: Path | None) -> int | None:
    c = load_config(config_path)  # a bad run.json fails here, before hello, like bad arguments
    refuse_custom_code(Path(c.base_model))  # and a base model that asks to run its own code (see no_remote_code)
    if c.world_size > 1 and not inside_torchrun():
        return relaunch(writer, config_path, resume, c.devices)  # rank 0's lines come back through this process
    import torch

    dist = Dist()
    device = dist.start(pick_device(c.device))
    if device == "cuda" and isinstance(c.devices, list) and len(c.devices) == 1:  # one chosen GPU, e.g. [1]
        if c.devices[0] >= torch.cuda.device_count():
            raise LatheError("cuda_unavailable", f"`devices` names GPU {c.devices[0]}, but torch sees "
                             f"{torch.cuda.device_count()} GPU(s).", "Pick a GPU index that `lathe doctor` lists.")
        device = f"cuda:{c.devices[0]}"
        torch.cuda.set_device(device)
    if not dist.is_main:
        writer.mute()  # also silences the error line cli.main would write for this rank
    gpus, _ = environment.probe_gpus(torch)
    writer.hello("train", environment.versions(),
                 environment.best_device(gpus) if device.startswith("cuda") else environment.cpu_device(),
                 environment.memory())
    try:
        with Heartbeat(writer, c.heartbeat_seconds) as heartbeat:
            _train(c, writer, Events(writer), dist, device, heartbeat, config_path, resume)
    except torch.OutOfMemoryError as exc:  # outside a training step (loading, validation): no fallback there
        raise LatheError("out_of_memory", "The GPU ran out of memory outside a training step (loading or validation).",
                         "Lower `max_seq_len` or `micro_batch_size`, or use method \"qlora\".") from exc
    finally:
        dist.close()
    return None


def _train(c: RunConfig, writer: ProtocolWriter, events: Events, dist: Dist, device: str, heartbeat: Heartbeat,
           config_path: Path, resume: Path | None) -> None:
    import torch

    started = time.monotonic()
    # ---- setup -------------------------------------------------------------------------------------
    require_gpu_for(c.method, device)
    precision = resolve_precision(c.precision, device)
    if c.sharding == "fsdp" and precision == "fp16":
        raise LatheError("precision_unsupported", "fp16 loss scaling is not supported with `sharding` \"fsdp\".",
                         "Use `precision` \"bf16\" (GPUs from Ampere on) or \"fp32\", or `sharding` \"ddp\".")
    base = Path(c.base_model)
    base_weights = check_base_folder(base)
    fingerprint = c.fingerprint()
    resume_state = ckpt.read_state(resume) if resume else None
    if resume_state is not None and resume_state.get("config_fingerprint") != fingerprint:
        raise LatheError("resume_mismatch", f"{resume} was made with different training settings than {config_path.name}.",
                         "Resume with the run.json the checkpoint came from (only output, eval, checkpoint, micro-batch "
                         "(with the same effective batch), heartbeat and debug settings may change).")
    seed_everything(c.seed, device)
    if dist.world > 1:
        events.emit("event", kind="distributed", world_size=dist.world, backend=dist.backend,
                    message=f"Training on {dist.world} processes ({dist.backend}); each step takes "
                            f"{c.effective_batch} samples per process.")

    writer.progress("setup", 0.0, "Tokenising the data.")
    tokenizer = load_tokenizer(base)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def tokens(paths: list[str], objective: str, source: int = 0):  # memory-mapped, tokenised once (token_cache.py)
        if c.is_preference:  # small data of several sequences per example: encoded in memory, by every process
            return encode_preference_files(tokenizer, paths, objective, c.max_seq_len) if paths else []
        return shared_examples(tokenizer, base, paths, objective, c.max_seq_len, dist,
                               lambda f, text: writer.progress("setup", f, text), source)

    mix = None
    if c.recipe:
        train_set, dropped, mix = encode_recipe(tokenizer, c.recipe, c.max_seq_len,
                                                load=lambda path, objective, i: tokens([path], objective, i))
        events.emit("event", kind="data_mix", sources=mix, message="Mixing " + ", ".join(
            f"{Path(m['path']).name} ({m['kind']}, {m['share']:.0%} of tokens)" for m in mix) + ".")
    else:
        train_set = tokens(c.train_files, c.objective)
        dropped = train_set.meta["dropped"] if train_set else 0
    val_set = tokens(c.validation_files, c.objective)
    if not train_set:
        raise LatheError("data_empty", "No training example has a token to learn from after truncation.",
                         "Add examples with assistant turns (SFT) or text (CPT), or raise `max_seq_len`.")
    if dropped:
        log(f"dropped {dropped} example(s) whose assistant turns fell beyond max_seq_len={c.max_seq_len}")

    writer.progress("setup", 0.0, f"Loading {base.name} for {c.method} on {device} ({precision}).")
    heartbeat.pulse(phase="setup")
    attention = resolve_attention(base, c.attn_requested, device) if c.attn_requested == "auto" else c.attn_implementation
    core = load_model(base, c.method, c.lora, device, precision, attention, c.gradient_checkpointing, c.compile)
    # fp16: the loss is scaled up before backward (step.py) and the gradients unscaled before clipping; bf16 needs none
    scaler = torch.amp.GradScaler(torch.device(device).type, init_scale=float(os.environ.get(FP16_SCALE_ENV, 2.0 ** 16))) \
        if precision == "fp16" else None
    settings = StepSettings(device, precision, pad_id, c.packing, c.debug_inject_nan_at_step, row_len=c.max_seq_len,
                            head=chunked_head_for(core, device), scaler=scaler)
    if c.is_preference and c.preference.reference == "precomputed":  # from the base weights, before a checkpoint's
        writer.progress("setup", 0.0, "Computing the reference log-probabilities.")
        train_set, val_set = (precompute_reference(core, data, settings, dist) for data in (train_set, val_set))
    if resume is not None:
        ckpt.load_checkpoint_weights(resume, core, c.method)  # before DDP copies or FSDP shards them
    model = dist.wrap(core, c.sharding)
    core = unwrap(model)
    if dist.world > 1:
        torch.manual_seed(dist.seed_for_rank(c.seed))  # after the wrap: the same weights, each rank its own dropout
    trainable = [p for p in core.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.ndim >= 2]
    no_decay = [p for p in trainable if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": c.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=c.lr,
                                  # CUDA: one fused kernel for all parameters; CPU: the single-tensor path, bit-reproducible
                                  **({"fused": True} if device.startswith("cuda") else {"foreach": False}))
    objective = PreferenceObjective(c.objective, c.preference, core) if c.is_preference else TokenObjective()
    stream = SampleStream(recipe_order(train_set, c.recipe, c.seed) if c.recipe else shuffled_epoch(len(train_set), c.seed))
    per_step = c.effective_batch * dist.world
    total_steps = c.max_steps or max(1, math.ceil(c.epochs * stream.epoch_length / per_step))
    micro = MicroBatching(c.micro_batch_size, c.effective_batch)
    step, trained_tokens = 0, [0] * len(mix or [None])
    if resume is not None:
        state = ckpt.load_checkpoint(resume, lambda saved: dist.load_optimizer_state(model, optimizer, saved), dist.rank)
        step = state["step"]
        stream.rewind(DataPosition(**state["data_position"]))
        micro.size = min(micro.size, state.get("micro_batch_size", micro.size))  # keep a fallback that happened
        trained_tokens = state.get("trained_tokens", trained_tokens)
        if scaler is not None and state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        ckpt.restore_rng(state["rng_tensors"], state["rng"])  # last: loading must not disturb the streams
        log(f"resumed from {resume} at step {step} (micro-batch {micro.size})")
    out = Path(c.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_trainable, n_total = sum(p.numel() for p in trainable), sum(p.numel() for p in core.parameters())
    writer.progress("train", step / total_steps, f"Training {n_trainable:,} of {n_total:,} parameters for "
                    f"{total_steps} steps on {len(train_set)} examples ({len(val_set)} for validation).")

    def save(at_step: int, at_position: DataPosition, loss: float | None) -> Path:
        heartbeat.pulse(phase="checkpoint")
        path = out / "checkpoints" / f"step-{at_step:06d}"
        rng_by_rank = dist.gather(ckpt.capture_rng()) if dist.world > 1 else None  # every rank's own streams
        whole = (dist.full_model_state(core), dist.full_optimizer_state(model, optimizer)) if dist.sharded else (None, None)
        if dist.is_main:
            state = {"step": at_step, "total_steps": total_steps, "loss": loss, "config_fingerprint": fingerprint,
                     "data_position": {"epoch": at_position.epoch, "sample_index": at_position.sample_index},
                     "micro_batch_size": micro.size, "trained_tokens": trained_tokens, "method": c.method,
                     "scaler": scaler.state_dict() if scaler is not None else None}
            path, digest = ckpt.save_checkpoint(out / "checkpoints", at_step, core, optimizer, state, rng_by_rank, *whole)
            events.emit("checkpoint", path=str(path), step=at_step, sha256=digest)
            saved = [s for s in val_losses if (out / "checkpoints" / f"step-{s:06d}").is_dir()]
            best = min(saved, key=val_losses.__getitem__) if saved else None  # lowest validation loss with a checkpoint
            pruned = ckpt.prune(out / "checkpoints", c.keep_checkpoints, best)
            if pruned:
                events.emit("event", kind="checkpoints_pruned", steps=pruned, kept_best=best,
                            message=f"Removed checkpoint(s) {', '.join(map(str, pruned))}: keeping the newest "
                                    f"{c.keep_checkpoints}" + (f" and step {best} (best validation loss)" if best else "") + ".")
        dist.barrier()  # nobody runs ahead (or exits) before the checkpoint is complete
        heartbeat.pulse(phase="train")
        return path

    val_losses: dict[int, float] = {}  # validation loss by step, for which checkpoint to keep as the best

    def evaluate(at_step: int) -> None:
        heartbeat.pulse(phase="eval")
        values = objective.validate(core, val_set, micro.size, settings, dist)  # val_loss (+ preference metrics)
        if at_step > 0 and math.isfinite(values["val_loss"]):
            val_losses[at_step] = values["val_loss"]
        events.emit("eval", step=at_step, **values)
        heartbeat.pulse(phase="train")

    # The base model's validation loss, so a report can show what tuning changed (no RNG is consumed).
    if val_set and c.eval_at_start and step == 0:
        evaluate(0)

    # ---- fit ---------------------------------------------------------------------------------------
    model.train()
    loss_value, last_checkpoint, overflows = None, None, 0
    tokens_total, fit_seconds, fit_cpu = 0, 0.0, 0.0  # for the done payload: what a benchmark divides
    every_progress = max(1, total_steps // 20)
    fake_oom = FakeOOM(c.debug_fake_oom_at_step)
    heartbeat.pulse(step=step, phase="train")
    with StopRequest() as stop:
        while step < total_steps:
            t0, cpu0 = time.monotonic(), time.process_time()
            committed = stream.position  # where to resume from if this step is abandoned
            stopping = dist.any(stop.signal_name is not None) if dist.world > 1 else False
            lr = learning_rate(step, c, total_steps)
            for group in optimizer.param_groups:
                group["lr"] = lr
            samples = stream.take(per_step)
            mine = samples[dist.rank * c.effective_batch:(dist.rank + 1) * c.effective_batch]
            result = None if stopping else step_with_fallback(
                objective, model, optimizer, [train_set[i] for i in mine], micro, settings, step + 1, dist, fake_oom,
                events.emit, heartbeat.pulse, lambda: stop.signal_name is not None)
            if result is None:
                stream.rewind(committed)
                last_checkpoint = save(step, committed, loss_value)
                raise LatheError("cancelled", f"Stopped by {stop.signal_name or 'a signal'} at step {step}; "
                                 "checkpoint saved.", f"Continue later with --resume {last_checkpoint}.",
                                 exit_code=EXIT_CANCELLED)
            loss_value, tokens, objective_metrics = result
            if scaler is not None:
                scaler.unscale_(optimizer)
            norm = torch.nn.utils.clip_grad_norm_(trainable, c.grad_clip or float("inf"))
            grad_norm = float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)  # FSDP: a sharded norm
            if not math.isfinite(grad_norm) and (scaler is None or overflows >= 10):
                raise LatheError("non_finite_loss", f"The gradient norm became {grad_norm} at step {step + 1}; "
                                 "training stopped before applying it.",
                                 "Lower `lr` or raise `warmup_steps`, then resume from the last checkpoint.")
            if scaler is not None:  # fp16: an overflowing step is skipped and the loss scale lowered
                overflows = overflows + 1 if not math.isfinite(grad_norm) else 0
                scaler.step(optimizer)
                scaler.update()
                if overflows:
                    events.emit("event", kind="fp16_overflow", step=step + 1, loss_scale=scaler.get_scale(),
                                message=f"fp16: the gradients overflowed at step {step + 1}; the step was skipped and "
                                        f"the loss scale lowered to {scaler.get_scale():g}.")
            else:
                optimizer.step()
            step += 1
            for i in samples:
                trained_tokens[train_set[i].source] += train_set[i].token_count
            seconds = time.monotonic() - t0
            tokens_total, fit_seconds = tokens_total + tokens, fit_seconds + seconds
            fit_cpu += time.process_time() - cpu0
            events.emit("metrics", step=step, loss=loss_value, lr=lr, grad_norm=grad_norm,
                        tokens_per_s=round(tokens / max(seconds, 1e-9), 1), memory_bytes=memory_bytes(device),
                        **objective_metrics)  # preference objectives: reward margin and accuracy, log-probabilities
            heartbeat.pulse(step=step)
            if step % every_progress == 0 or step == total_steps:
                writer.progress("train", step / total_steps, f"step {step}/{total_steps} loss {loss_value:.4f}")

            # ---- validate ----------------------------------------------------------------------------
            if val_set and ((c.eval_every and step % c.eval_every == 0) or step == total_steps):
                evaluate(step)

            # ---- checkpoint --------------------------------------------------------------------------
            if (c.checkpoint_every and step % c.checkpoint_every == 0) or step == total_steps:
                last_checkpoint = save(step, stream.position, loss_value)
            if c.debug_stop_after_step == step and step < total_steps:
                if last_checkpoint is None or not last_checkpoint.name.endswith(f"{step:06d}"):
                    last_checkpoint = save(step, stream.position, loss_value)
                log(f"debug_stop_after_step: stopping at step {step}")
                break

    # ---- output ------------------------------------------------------------------------------------
    whole_model = dist.full_model_state(core) if dist.sharded else None  # every rank takes part in the gather
    if not dist.is_main:
        return
    heartbeat.pulse(phase="output")
    final = out / ("model" if c.method == "full" else "adapter")
    staging = out / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        save_weights(core, staging, whole_model)
        canonicalise_adapter_config(staging)
        if c.method == "full":
            tokenizer.save_pretrained(staging)  # a full model folder must load on its own
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
    except Exception as exc:
        if ckpt.disk_full(exc, out):
            raise LatheError("disk_full", f"The disk holding {out} is full ({ckpt.free_text(out)} free): the trained "
                             f"{final.name} was not written.", "Free space on that disk, then resume from the last "
                             f"checkpoint ({last_checkpoint or 'none was written'}): it is intact.") from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if mix:
        for fact, trained in zip(mix, trained_tokens):
            fact["trained_tokens"] = trained
    manifest = write_run_manifest(
        out, config=c.as_dict(), base_weights=base_model_hashes(base_weights),
        data_files={p: ckpt.sha256_file(Path(p)) for p in c.train_files + c.validation_files +
                    [s.path for s in c.recipe or []]},
        device={"kind": device, "torch": torch.__version__, "precision": precision, "world_size": dist.world,
                "attention": attention, "sharding": c.sharding if dist.world > 1 else None},
        output_dir=final, resumed_from=str(resume) if resume else None, steps=step, summary=events.summary,
        dropped_examples=dropped, data_mix=mix)
    writer.done({f"{final.name}_dir": str(final), "final_loss": loss_value, "steps": step, "total_steps": total_steps,
                 "completed": step >= total_steps, "checkpoint": str(last_checkpoint) if last_checkpoint else None,
                 "manifest": str(manifest), "seconds": round(time.monotonic() - started, 2),
                 "tokens": tokens_total, "train_seconds": round(fit_seconds, 3), "train_cpu_seconds": round(fit_cpu, 3)})


def canonicalise_adapter_config(folder: Path) -> None:
    """peft writes target_modules from a Python set, whose order follows the per-process string hash seed; sorted,
    the same run gives a byte-identical adapter folder (the "reproduce this run" promise)."""
    config = folder / "adapter_config.json"
    if not config.exists():
        return
    data = json.loads(config.read_text(encoding="utf-8"))
    for key in ("target_modules", "modules_to_save", "exclude_modules"):
        if isinstance(data.get(key), list):
            data[key] = sorted(data[key])
    config.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
