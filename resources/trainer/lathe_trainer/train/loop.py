"""`train`: setup -> fit (-> validate -> checkpoint) -> output, each a function, read top to bottom from `_train`.

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
from dataclasses import dataclass, field
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
        return relaunch(writer, config_path, resume, c.devices, c.nodes)  # rank 0's lines come back through this process
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
    started = time.monotonic()
    t = _set_up(c, writer, events, dist, device, heartbeat, config_path, resume)
    fit = _fit(t)
    _write_output(t, fit, resume, started)


@dataclass
class Training:
    """Everything setup made and fit uses: settings, data, model, optimizer, where the run stands. Its two methods are
    the moments that leave the loop for a while: validation and checkpoints."""

    c: RunConfig
    writer: ProtocolWriter
    events: Events
    dist: Dist
    device: str
    heartbeat: Heartbeat
    precision: str
    attention: str | None
    base: Path
    base_weights: list
    fingerprint: str
    tokenizer: object
    train_set: object
    val_set: object
    dropped: int
    mix: list | None
    core: object
    model: object
    scaler: object
    settings: StepSettings
    trainable: list
    optimizer: object
    objective: object
    stream: SampleStream
    micro: MicroBatching
    total_steps: int
    out: Path
    step: int = 0
    trained_tokens: list = field(default_factory=list)
    val_losses: dict = field(default_factory=dict)  # validation loss by step, for which checkpoint to keep as the best

    @property
    def per_step(self) -> int:
        return self.c.effective_batch * self.dist.world

    def evaluate(self, at_step: int) -> None:
        self.heartbeat.pulse(phase="eval")
        # val_loss, and a preference objective's metrics
        values = self.objective.validate(self.core, self.val_set, self.micro.size, self.settings, self.dist)
        if at_step > 0 and math.isfinite(values["val_loss"]):
            self.val_losses[at_step] = values["val_loss"]
        self.events.emit("eval", step=at_step, **values)
        self.heartbeat.pulse(phase="train")

    def save(self, at_step: int, at_position: DataPosition, loss: float | None) -> Path:
        c, dist, out = self.c, self.dist, self.out
        self.heartbeat.pulse(phase="checkpoint")
        path = out / "checkpoints" / f"step-{at_step:06d}"
        rng_by_rank = dist.gather(ckpt.capture_rng()) if dist.world > 1 else None  # every rank's own streams
        whole = (dist.full_model_state(self.core), dist.full_optimizer_state(self.model, self.optimizer)) \
            if dist.sharded else (None, None)
        if dist.is_main:
            state = {"step": at_step, "total_steps": self.total_steps, "loss": loss, "config_fingerprint": self.fingerprint,
                     "data_position": {"epoch": at_position.epoch, "sample_index": at_position.sample_index},
                     "micro_batch_size": self.micro.size, "trained_tokens": self.trained_tokens, "method": c.method,
                     "scaler": self.scaler.state_dict() if self.scaler is not None else None}
            path, digest = ckpt.save_checkpoint(out / "checkpoints", at_step, self.core, self.optimizer, state,
                                                rng_by_rank, *whole)
            self.events.emit("checkpoint", path=str(path), step=at_step, sha256=digest)
            saved = [s for s in self.val_losses if (out / "checkpoints" / f"step-{s:06d}").is_dir()]
            best = min(saved, key=self.val_losses.__getitem__) if saved else None  # lowest validation loss with a checkpoint
            pruned = ckpt.prune(out / "checkpoints", c.keep_checkpoints, best)
            if pruned:
                self.events.emit("event", kind="checkpoints_pruned", steps=pruned, kept_best=best,
                                 message=_pruned_message(pruned, c.keep_checkpoints, best))
        dist.barrier()  # nobody runs ahead (or exits) before the checkpoint is complete
        self.heartbeat.pulse(phase="train")
        return path


def _pruned_message(pruned: list[int], keep: int, best: int | None) -> str:
    """"Removed the checkpoint of step 100: keeping the newest 3 and step 40 (best validation loss)." """
    steps = f"the checkpoint of step {pruned[0]}" if len(pruned) == 1 else \
        f"the checkpoints of steps {', '.join(map(str, pruned[:-1]))} and {pruned[-1]}"
    kept = f"the newest {keep}" if keep > 1 else "the newest"
    return f"Removed {steps}: keeping {kept}" + (f" and step {best} (best validation loss)" if best else "") + "."


# ---- setup -------------------------------------------------------------------------------------------------------

def _set_up(c: RunConfig, writer: ProtocolWriter, events: Events, dist: Dist, device: str, heartbeat: Heartbeat,
            config_path: Path, resume: Path | None) -> Training:
    """Checks the settings against the machine and the checkpoint, tokenises the data, loads the model, builds the
    optimizer and, when resuming, restores where the run stood."""
    import torch

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
    train_set, val_set, dropped, mix = _encode_data(c, writer, events, dist, tokenizer, base)

    writer.progress("setup", 0.0, f"Loading {base.name} for {c.method} on {device} ({precision}).")
    heartbeat.pulse(phase="setup")
    attention = resolve_attention(base, c.attn_requested, device) if c.attn_requested == "auto" else c.attn_implementation
    core = load_model(base, c.method, c.lora, device, precision, attention, c.gradient_checkpointing, c.compile)
    # fp16: the loss is scaled up before backward (step.py) and the gradients unscaled before clipping; bf16 needs none
    scaler = torch.amp.GradScaler(torch.device(device).type, init_scale=float(os.environ.get(FP16_SCALE_ENV, 2.0 ** 16))) \
        if precision == "fp16" else None
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
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
    total_steps = c.max_steps or max(1, math.ceil(c.epochs * stream.epoch_length / (c.effective_batch * dist.world)))
    t = Training(c=c, writer=writer, events=events, dist=dist, device=device, heartbeat=heartbeat, precision=precision,
                 attention=attention, base=base, base_weights=base_weights, fingerprint=fingerprint, tokenizer=tokenizer,
                 train_set=train_set, val_set=val_set, dropped=dropped, mix=mix, core=core, model=model, scaler=scaler,
                 settings=settings, trainable=trainable, optimizer=optimizer, objective=objective, stream=stream,
                 micro=MicroBatching(c.micro_batch_size, c.effective_batch), total_steps=total_steps,
                 out=Path(c.output_dir), trained_tokens=[0] * len(mix or [None]))
    if resume is not None:
        _restore(t, resume)
    t.out.mkdir(parents=True, exist_ok=True)
    n_trainable, n_total = sum(p.numel() for p in trainable), sum(p.numel() for p in core.parameters())
    writer.progress("train", t.step / total_steps, f"Training {n_trainable:,} of {n_total:,} parameters for "
                    f"{total_steps} steps on {len(train_set)} examples ({len(val_set)} for validation).")
    return t


def _encode_data(c: RunConfig, writer: ProtocolWriter, events: Events, dist: Dist, tokenizer, base: Path):
    """The training and validation examples as token ids (a recipe's sources mixed), and how many were dropped."""
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
    return train_set, val_set, dropped, mix


def _restore(t: Training, resume: Path) -> None:
    """Where a checkpoint left off: step, data position, optimizer, micro-batch fallback, loss scale, RNG streams."""
    state = ckpt.load_checkpoint(resume, lambda saved: t.dist.load_optimizer_state(t.model, t.optimizer, saved), t.dist.rank)
    t.step = state["step"]
    t.stream.rewind(DataPosition(**state["data_position"]))
    t.micro.size = min(t.micro.size, state.get("micro_batch_size", t.micro.size))  # keep a fallback that happened
    t.trained_tokens = state.get("trained_tokens", t.trained_tokens)
    if t.scaler is not None and state.get("scaler"):
        t.scaler.load_state_dict(state["scaler"])
    ckpt.restore_rng(state["rng_tensors"], state["rng"])  # last: loading must not disturb the streams
    log(f"resumed from {resume} at step {t.step} (micro-batch {t.micro.size})")


# ---- fit -> validate -> checkpoint ---------------------------------------------------------------------------------

@dataclass
class Fit:
    """What the loop hands to the output: the last loss and checkpoint, and what a benchmark divides."""

    loss: float | None = None
    last_checkpoint: Path | None = None
    tokens: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def _fit(t: Training) -> Fit:
    import torch

    c, dist, stream, optimizer, scaler = t.c, t.dist, t.stream, t.optimizer, t.scaler
    # The base model's validation loss, so a report can show what tuning changed (no RNG is consumed).
    if t.val_set and c.eval_at_start and t.step == 0:
        t.evaluate(0)
    t.model.train()
    fit, overflows = Fit(), 0
    every_progress = max(1, t.total_steps // 20)
    fake_oom = FakeOOM(c.debug_fake_oom_at_step)
    t.heartbeat.pulse(step=t.step, phase="train")
    with StopRequest() as stop:
        while t.step < t.total_steps:
            step = t.step
            t0, cpu0 = time.monotonic(), time.process_time()
            committed = stream.position  # where to resume from if this step is abandoned
            stopping = dist.any(stop.signal_name is not None) if dist.world > 1 else False
            lr = learning_rate(step, c, t.total_steps)
            for group in optimizer.param_groups:
                group["lr"] = lr
            samples = stream.take(t.per_step)
            mine = samples[dist.rank * c.effective_batch:(dist.rank + 1) * c.effective_batch]
            result = None if stopping else step_with_fallback(
                t.objective, t.model, optimizer, [t.train_set[i] for i in mine], t.micro, t.settings, step + 1, dist,
                fake_oom, t.events.emit, t.heartbeat.pulse, lambda: stop.signal_name is not None)
            if result is None:
                stream.rewind(committed)
                fit.last_checkpoint = t.save(step, committed, fit.loss)
                raise LatheError("cancelled", f"Stopped by {stop.signal_name or 'a signal'} at step {step}; "
                                 "checkpoint saved.", f"Continue later with --resume {fit.last_checkpoint}.",
                                 exit_code=EXIT_CANCELLED)
            fit.loss, tokens, objective_metrics = result
            if scaler is not None:
                scaler.unscale_(optimizer)
            norm = torch.nn.utils.clip_grad_norm_(t.trainable, c.grad_clip or float("inf"))
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
                    t.events.emit("event", kind="fp16_overflow", step=step + 1, loss_scale=scaler.get_scale(),
                                  message=f"fp16: the gradients overflowed at step {step + 1}; the step was skipped and "
                                          f"the loss scale lowered to {scaler.get_scale():g}.")
            else:
                optimizer.step()
            t.step = step = step + 1
            for i in samples:
                t.trained_tokens[t.train_set[i].source] += t.train_set[i].token_count
            seconds = time.monotonic() - t0
            fit.tokens, fit.seconds = fit.tokens + tokens, fit.seconds + seconds
            fit.cpu_seconds += time.process_time() - cpu0
            t.events.emit("metrics", step=step, loss=fit.loss, lr=lr, grad_norm=grad_norm,
                          tokens_per_s=round(tokens / max(seconds, 1e-9), 1), memory_bytes=memory_bytes(t.device),
                          **objective_metrics)  # preference objectives: reward margin and accuracy, log-probabilities
            t.heartbeat.pulse(step=step)
            if step % every_progress == 0 or step == t.total_steps:
                t.writer.progress("train", step / t.total_steps, f"step {step}/{t.total_steps} loss {fit.loss:.4f}")

            # ---- validate ----------------------------------------------------------------------------------------
            if t.val_set and ((c.eval_every and step % c.eval_every == 0) or step == t.total_steps):
                t.evaluate(step)

            # ---- checkpoint --------------------------------------------------------------------------------------
            if (c.checkpoint_every and step % c.checkpoint_every == 0) or step == t.total_steps:
                fit.last_checkpoint = t.save(step, stream.position, fit.loss)
            if c.debug_stop_after_step == step and step < t.total_steps:
                if fit.last_checkpoint is None or not fit.last_checkpoint.name.endswith(f"{step:06d}"):
                    fit.last_checkpoint = t.save(step, stream.position, fit.loss)
                log(f"debug_stop_after_step: stopping at step {step}")
                break
    return fit


# ---- output --------------------------------------------------------------------------------------------------------

def _write_output(t: Training, fit: Fit, resume: Path | None, started: float) -> None:
    """The trained weights (written whole, then moved into place), the run manifest and the done line."""
    import torch

    c, dist, out = t.c, t.dist, t.out
    whole_model = dist.full_model_state(t.core) if dist.sharded else None  # every rank takes part in the gather
    if not dist.is_main:
        return
    t.heartbeat.pulse(phase="output")
    final = out / ("model" if c.method == "full" else "adapter")
    staging = out / f".tmp-{final.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        save_weights(t.core, staging, whole_model)
        canonicalise_adapter_config(staging)
        if c.method == "full":
            t.tokenizer.save_pretrained(staging)  # a full model folder must load on its own
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
    except Exception as exc:
        if ckpt.disk_full(exc, out):
            raise LatheError("disk_full", f"The disk holding {out} is full ({ckpt.free_text(out)} free): the trained "
                             f"{final.name} was not written.", "Free space on that disk, then resume from the last "
                             f"checkpoint ({fit.last_checkpoint or 'none was written'}): it is intact.") from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if t.mix:
        for fact, trained in zip(t.mix, t.trained_tokens):
            fact["trained_tokens"] = trained
    manifest = write_run_manifest(
        out, config=c.as_dict(), base_weights=base_model_hashes(t.base_weights),
        data_files={p: ckpt.sha256_file(Path(p)) for p in c.train_files + c.validation_files +
                    [s.path for s in c.recipe or []]},
        device={"kind": t.device, "torch": torch.__version__, "precision": t.precision, "world_size": dist.world,
                "attention": t.attention, "sharding": c.sharding if dist.world > 1 else None},
        output_dir=final, resumed_from=str(resume) if resume else None, steps=t.step, summary=t.events.summary,
        dropped_examples=t.dropped, data_mix=t.mix)
    t.writer.done({f"{final.name}_dir": str(final), "final_loss": fit.loss, "steps": t.step,
                   "total_steps": t.total_steps, "completed": t.step >= t.total_steps,
                   "checkpoint": str(fit.last_checkpoint) if fit.last_checkpoint else None,
                   "manifest": str(manifest), "seconds": round(time.monotonic() - started, 2), "tokens": fit.tokens,
                   "train_seconds": round(fit.seconds, 3), "train_cpu_seconds": round(fit.cpu_seconds, 3)})


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
