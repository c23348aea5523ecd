"""One optimizer step, and validation, for the preference objectives (dpo, orpo, simpo, kto).

The counterpart of step.py's `forward_backward` for examples of several sequences (preference_data.py). A
micro-batch's sequences are padded into one batch (pairs: every chosen row, then every rejected row) and run once;
`loss.row_logps` gives each row's summed log-probability without full-vocabulary logits, and preference.py turns
them into losses. The loss of a step is the mean over all its examples (on all processes), whatever the micro-batch
size, so the out-of-memory fallback of step.py applies unchanged.

The reference (DPO, KTO) is the same model with the LoRA adapter disabled (peft `disable_adapter()`), run without
gradients, or log-probabilities computed once before training (`precompute_reference`: required for full
fine-tuning, where the weights themselves move). KTO's reference point z is estimated over the whole step first
(mismatched pairs, no gradients, all processes), then every micro-batch uses it. Passes without gradients
(reference, KL) run in eval mode, so they draw no dropout masks.
"""

from __future__ import annotations

import math
from contextlib import contextmanager, nullcontext
from dataclasses import replace

from .config import PreferenceSettings
from .data import collate
from .loss import row_logps
from .model import autocast_for
from .preference import dpo_losses, kto_kl, kto_losses, kto_reference_point, orpo_losses, simpo_losses
from .preference_data import PAIR_OBJECTIVES, PreferenceExample, PreferenceSet
from .step import non_finite

# Sums kept per step (or validation pass), all-reduced in one call, then turned into the protocol's numbers.
_SUMS = ("loss", "examples", "chosen_logp", "chosen", "rejected_logp", "rejected", "chosen_reward", "rejected_reward",
         "correct")


def sequence_logps(model, examples: list[PreferenceExample], which: tuple[int, ...], s):
    """Summed log-probability and trained-token count of sequence(s) `which` of each example, in that order (every
    example's sequence which[0], then which[1] ...), padded into one batch; and the batch's real tokens."""
    rows = [e.sequences[k] for k in which for e in examples]
    batch = collate(rows, s.pad_id).to(s.device)
    sums, counts = row_logps(model, batch, s.head, autocast_for(s.device, s.precision))
    return sums, counts, batch.tokens


@contextmanager
def _frozen(core, reference: bool = False):
    """Eval mode (no dropout), no gradients, and with `reference` the LoRA adapter switched off."""
    import torch

    training = core.training
    core.eval()
    adapter_off = core.disable_adapter() if reference and hasattr(core, "disable_adapter") else nullcontext()
    try:
        with torch.no_grad(), adapter_off:
            yield
    finally:
        core.train(training)


class PreferenceObjective:
    """forward_backward and validate for one preference objective; `core` is the unwrapped (peft) model."""

    def __init__(self, objective: str, settings: PreferenceSettings, core):
        self.objective, self.settings, self.core = objective, settings, core
        self.paired = objective in PAIR_OBJECTIVES

    # ---- log-probabilities -------------------------------------------------------------------------------------
    def _reference(self, examples: list[PreferenceExample], which: tuple[int, ...], s):
        import torch

        if self.settings.reference == "precomputed":
            return torch.tensor([e.reference[k] for k in which for e in examples], dtype=torch.float32, device=s.device)
        with _frozen(self.core, reference=True):
            return sequence_logps(self.core, examples, which, s)[0]

    def _kto_reference_point(self, examples: list[PreferenceExample], micro_size: int, s, dist) -> float:
        """z: the mean of log π - log π_ref over the examples' mismatched pairs, all processes, clamped at 0."""
        total, count = 0.0, 0
        for start in range(0, len(examples), micro_size):
            chunk = examples[start:start + micro_size]
            with _frozen(self.core):
                policy = sequence_logps(self.core, chunk, (1,), s)[0]
            kl_sum, kl_count = kto_kl(policy, self._reference(chunk, (1,), s))
            total, count = total + kl_sum, count + kl_count
        total, count = dist.sum_tensor(_tensor([total, count])).tolist()
        return kto_reference_point(total, count)

    # ---- losses ------------------------------------------------------------------------------------------------
    def _losses(self, model, examples: list[PreferenceExample], s, kl: float):
        """Per-example losses (with gradients), the sums for the metrics, and the tokens run."""
        import torch

        p, n = self.settings, len(examples)
        if self.paired:
            sums, counts, tokens = sequence_logps(model, examples, (0, 1), s)
            chosen, rejected = sums[:n], sums[n:]
            if self.objective == "dpo":
                ref = self._reference(examples, (0, 1), s)
                losses, chosen_r, rejected_r = dpo_losses(chosen, rejected, ref[:n], ref[n:], p.beta)
            else:
                means = sums / counts.clamp(min=1)
                losses, chosen_r, rejected_r = orpo_losses(means[:n], means[n:], p.beta) if self.objective == "orpo" \
                    else simpo_losses(means[:n], means[n:], p.beta, p.simpo_gamma)
            stats = dict(examples=n, chosen_logp=chosen.detach().sum(), chosen=n, rejected_logp=rejected.detach().sum(),
                         rejected=n, chosen_reward=chosen_r.sum(), rejected_reward=rejected_r.sum(),
                         correct=(chosen_r > rejected_r).sum())
            return losses, stats, tokens
        logps, _, tokens = sequence_logps(model, examples, (0,), s)
        desirable = torch.tensor([bool(e.desirable) for e in examples], device=logps.device)
        losses, rewards = kto_losses(logps, self._reference(examples, (0,), s), desirable, kl, p.beta,
                                     p.desirable_weight, p.undesirable_weight)
        logps = logps.detach()
        stats = dict(examples=n, chosen_logp=logps[desirable].sum(), chosen=desirable.sum(),
                     rejected_logp=logps[~desirable].sum(), rejected=(~desirable).sum(),
                     chosen_reward=rewards[desirable].sum(), rejected_reward=rewards[~desirable].sum(),
                     correct=torch.where(desirable, rewards > p.beta * kl, rewards < p.beta * kl).sum())  # vs z
        return losses, stats, tokens

    def _metrics(self, sums: dict, dist, prefix: str = "") -> dict:
        """Means over every process's examples: loss, chosen/rejected log-probability (summed over the completion;
        KTO: desirable/undesirable examples), reward margin and accuracy (see README)."""
        total = dict(zip(_SUMS, dist.sum_tensor(_tensor([sums.get(k, 0.0) for k in _SUMS])).tolist()))

        def mean(key: str, count: str) -> float:
            return total[key] / total[count] if total[count] else math.nan

        return {f"{prefix}loss": mean("loss", "examples"),
                f"{prefix}reward_margin": mean("chosen_reward", "chosen") - mean("rejected_reward", "rejected"),
                f"{prefix}reward_accuracy": mean("correct", "examples"),
                f"{prefix}chosen_logp": mean("chosen_logp", "chosen"),
                f"{prefix}rejected_logp": mean("rejected_logp", "rejected")}

    # ---- the step and validation -------------------------------------------------------------------------------
    def forward_backward(self, model, examples: list[PreferenceExample], micro, s, step: int, dist, fake_oom, pulse,
                         stop_requested):
        """Accumulates one step's gradient; returns (loss, tokens, metrics) over all processes, or None if stopped."""
        kl = self._kto_reference_point(examples, micro.size, s, dist) if self.objective == "kto" else 0.0
        chunks = micro.split(examples)
        scale = dist.world / max(1.0, dist.sum(len(examples)))  # DDP averages over processes: undo that for the mean
        sums: dict = {}
        tokens = 0
        for index, chunk in enumerate(chunks):
            fake_oom.check(step, index, len(chunks))
            with dist.no_sync(model, last=index == len(chunks) - 1):
                losses, stats, chunk_tokens = self._losses(model, chunk, s, kl)
                loss = losses.sum()
                if s.nan_at_step == step:
                    loss = loss * float("nan")
                scaled = loss * scale
                (s.scaler.scale(scaled) if s.scaler is not None else scaled).backward()
            _add(sums, loss=loss.detach(), **stats)
            tokens += chunk_tokens
            pulse()
            if dist.world == 1 and stop_requested():
                return None
        metrics = self._metrics(sums, dist)
        loss_value = metrics.pop("loss")
        if not math.isfinite(loss_value):
            raise non_finite(loss_value, step)
        if self.objective == "kto":
            metrics["kl"] = kl
        return loss_value, int(dist.sum(tokens)), metrics

    def validate(self, model, examples, micro_size: int, s, dist) -> dict:
        """val_loss, val_reward_margin, val_reward_accuracy, val_chosen_logp, val_rejected_logp (+ val_kl for KTO),
        over the validation set; each process takes every world-th example."""
        mine = list(examples[dist.rank::dist.world])
        kl = self._kto_reference_point(mine, micro_size, s, dist) if self.objective == "kto" else 0.0
        sums: dict = {}
        with _frozen(self.core):
            for start in range(0, len(mine), micro_size):
                losses, stats, _ = self._losses(self.core, mine[start:start + micro_size], s, kl)
                _add(sums, loss=losses.sum(), **stats)
        metrics = self._metrics(sums, dist, prefix="val_")
        return {**metrics, "val_kl": kl} if self.objective == "kto" else metrics


def precompute_reference(core, examples: PreferenceSet, s, dist) -> PreferenceSet:
    """The examples with the reference log-probability of each sequence, from `core` as it is now (the base model;
    with LoRA, its adapter disabled), in one pass without gradients shared out over the processes. One example per
    forward pass, so the padding (and the last bits of each value) does not depend on the micro-batch size, which an
    out-of-memory fallback or a resume may change."""
    import torch

    if not examples:
        return examples
    width = len(examples[0].sequences)
    values = torch.zeros(len(examples), width, dtype=torch.float64)
    with _frozen(core, reference=True):
        for i in range(dist.rank, len(examples), dist.world):
            values[i] = sequence_logps(core, [examples[i]], tuple(range(width)), s)[0].double().cpu()
    values = dist.sum_tensor(values)
    return PreferenceSet([replace(e, reference=tuple(values[i].tolist())) for i, e in enumerate(examples)],
                         getattr(examples, "meta", {}).get("dropped", 0))


def _tensor(values: list):
    import torch

    return torch.tensor([float(v) for v in values], dtype=torch.float64)


def _add(sums: dict, **values) -> None:
    for key, value in values.items():
        sums[key] = sums.get(key, 0.0) + value
