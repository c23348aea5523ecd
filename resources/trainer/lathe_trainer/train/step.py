"""One optimizer step's forward and backward passes, and the out-of-memory fallback around them.

A step owns a fixed list of samples (the effective batch, taken from the SampleStream). The micro-batch
size only decides how that list is cut for the forward passes; the loss is the summed token cross-entropy
over all of them divided by their label count, so any cut gives the same loss and gradient (up to float
rounding). That is what makes the fallback safe: on an out-of-memory error the step's gradients are
dropped, the RNG is put back to where the step began, the micro-batch is halved (accumulation doubles)
and the same samples are tried again. Only at a micro-batch of 1 does the run stop with `out_of_memory`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from ..protocol import LatheError
from .data import Batch, Encoded, collate
from .loss import ChunkedHead
from .loss import token_loss_sum as loss_sum
from .model import autocast_for

FAKE_OOM_ENV = "LATHE_TRAINER_FAKE_OOM_AT_STEP"


@dataclass
class StepSettings:
    device: str
    precision: str
    pad_id: int
    packed: bool
    nan_at_step: int | None = None
    row_len: int | None = None  # packed rows hold at most this many tokens (max_seq_len)
    head: ChunkedHead | None = None  # the chunked loss (loss.py); None: plain logits
    scaler: object | None = None  # torch.amp.GradScaler for fp16: the loss is scaled before backward


def token_loss_sum(model, batch: Batch, s: StepSettings):
    """Summed next-token cross-entropy over label positions, in float32 whatever the autocast dtype; chunked
    (no full-vocabulary logits) where `s.head` says the family allows it, see loss.py."""
    return loss_sum(model, batch.to(s.device), s.head, autocast_for(s.device, s.precision))


class FakeOOM:
    """Test hook: raise an out-of-memory error during step N (`debug_fake_oom_at_step`, or the environment
    variable LATHE_TRAINER_FAKE_OOM_AT_STEP=N, or N:always to fail at every micro-batch size)."""

    def __init__(self, config_step: int | None):
        raw = os.environ.get(FAKE_OOM_ENV, "")
        at, _, mode = raw.partition(":")
        self.step = int(at) if at.strip().isdigit() else config_step
        self.always = mode == "always"
        self.fired = False

    def check(self, step: int, micro_index: int, micro_count: int) -> None:
        if self.step != step or (self.fired and not self.always):
            return
        if micro_index == min(1, micro_count - 1):  # after a backward when there are two: gradients must be reset
            import torch

            self.fired = True
            raise torch.OutOfMemoryError(f"CUDA out of memory (simulated by {FAKE_OOM_ENV} at step {step}).")


class MicroBatching:
    """The current micro-batch size; accumulation follows from it so the effective batch never changes."""

    def __init__(self, size: int, effective: int):
        self.size, self.effective = size, effective

    @property
    def grad_accum(self) -> int:
        return math.ceil(self.effective / self.size)

    def split(self, samples: list) -> list[list]:
        return [samples[i:i + self.size] for i in range(0, len(samples), self.size)]


def forward_backward(model, examples: list[Encoded], micro: MicroBatching, s: StepSettings, step: int, dist,
                     fake_oom: FakeOOM, pulse, stop_requested) -> tuple[float, int, dict] | None:
    """Accumulates the gradient of one step; returns (loss, tokens, {}) over all processes, or None if stopped."""
    batches = [collate(chunk, s.pad_id, s.packed, s.row_len) for chunk in micro.split(examples)]
    labels = dist.sum(sum(b.label_count for b in batches))
    scale = dist.world / max(1.0, labels)  # DDP averages gradients over processes; undo that for a token mean
    loss_sum = None  # a device tensor: reading it once per step, not per micro-batch, keeps the GPU queue full
    for index, batch in enumerate(batches):
        fake_oom.check(step, index, len(batches))
        with dist.no_sync(model, last=index == len(batches) - 1):
            loss = token_loss_sum(model, batch, s)
            if s.nan_at_step == step:
                loss = loss * float("nan")
            scaled = loss * scale
            (s.scaler.scale(scaled) if s.scaler is not None else scaled).backward()
        loss_sum = loss.detach() if loss_sum is None else loss_sum + loss.detach()
        pulse()
        if dist.world == 1 and stop_requested():
            return None
    # A non-finite loss stops the step here, after its backward but before the optimizer: nothing is applied.
    loss_value = dist.sum(float(loss_sum)) / max(1.0, labels)
    if not math.isfinite(loss_value):
        raise non_finite(loss_value, step)
    return loss_value, int(dist.sum(sum(b.tokens for b in batches))), {}


def validate(model, examples, micro_size: int, s: StepSettings, dist) -> dict:
    """{"val_loss": token-mean validation loss}; each process takes every world-th example, the sums are all-reduced."""
    import torch

    mine = examples[dist.rank::dist.world]
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(mine), micro_size):
            batch = collate(mine[start:start + micro_size], s.pad_id, s.packed, s.row_len)
            total += float(token_loss_sum(model, batch, s))
            count += batch.label_count
    model.train()
    return {"val_loss": dist.sum(total) / max(1.0, dist.sum(count))}


class TokenObjective:
    """SFT and CPT: the summed token cross-entropy over labelled positions divided by their count. The preference
    objectives have their own (preference_step.PreferenceObjective), with the same two methods."""
    forward_backward = staticmethod(forward_backward)
    validate = staticmethod(validate)


def non_finite(value: float, step: int) -> LatheError:
    return LatheError("non_finite_loss", f"The loss became {value} at step {step}; training stopped before applying it.",
                      "Lower `lr` or raise `warmup_steps`, then resume from the last checkpoint or start again.")


def out_of_memory(step: int, micro: MicroBatching, distributed: bool) -> LatheError:
    where = "in one of the processes" if distributed else f"with a micro-batch of {micro.size}"
    return LatheError("out_of_memory", f"The GPU ran out of memory at step {step} {where}.",
                      "Lower `max_seq_len` (shorter sequences), use method \"qlora\" or a smaller LoRA `rank`, or turn "
                      "on `gradient_checkpointing`; the effective batch can stay as it is.")


def step_with_fallback(objective, model, optimizer, examples, micro: MicroBatching, s: StepSettings, step: int, dist,
                       fake_oom: FakeOOM, emit, pulse, stop_requested):
    """`objective.forward_backward` (loss, tokens, metrics), halving the micro-batch on out-of-memory until it fits
    or is 1."""
    import torch

    from .checkpoint import capture_torch_rng, restore_torch_rng

    rng = capture_torch_rng()
    while True:
        optimizer.zero_grad(set_to_none=True)
        try:
            return objective.forward_backward(model, examples, micro, s, step, dist, fake_oom, pulse, stop_requested)
        except torch.OutOfMemoryError:
            pass  # handled below, outside the except block, so the failed attempt's tensors are freed first
        optimizer.zero_grad(set_to_none=True)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        if micro.size == 1 or dist.world > 1:  # no coordinated retry across processes (yet): stop cleanly
            raise out_of_memory(step, micro, dist.world > 1)
        before = micro.size
        micro.size = max(1, micro.size // 2)
        restore_torch_rng(rng)  # the retry draws the same dropout masks as a run that used this size from the start
        emit("event", kind="oom_fallback", step=step, micro_batch=micro.size, grad_accum=micro.grad_accum,
             message=f"Out of memory at step {step} with a micro-batch of {before}: retrying the step with "
                     f"{micro.size} x {micro.grad_accum} accumulation (effective batch {micro.effective} unchanged).")
