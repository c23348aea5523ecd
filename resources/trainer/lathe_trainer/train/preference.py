"""The preference losses, as formulas over sequence log-probabilities (no model, no data: preference_step.py feeds them).

Each takes, per example, the policy's log-probability of a completion (the sum over its trained tokens, or the mean
per token where the method says so) and returns the per-example losses and the implicit rewards the metrics report.
They follow TRL's definitions (DPOTrainer loss_type "sigmoid", ORPOTrainer, CPOTrainer loss_type "simpo" with
cpo_alpha 0, KTOTrainer loss_type "kto"); tests/test_preference.py checks them against TRL 1.16 on a fixed batch.

- DPO (Rafailov et al. 2023): -log σ(β[(log π(y_w) - log π_ref(y_w)) - (log π(y_l) - log π_ref(y_l))]), summed
  log-probabilities; reward β(log π - log π_ref).
- ORPO (Hong et al. 2024): the chosen completion's mean token NLL - β log σ(log odds(y_w) - log odds(y_l)) with
  log odds(y) = m - log(1 - e^m), m the mean token log-probability; reward β·m. The NLL term here is the chosen
  completion's own mean (TRL's ORPOTrainer averages over all chosen tokens of its batch, prompt tokens included).
- SimPO (Meng et al. 2024): -log σ(β(m_w - m_l) - γ), mean token log-probabilities, no reference; reward β·m.
- KTO (Ethayarajh et al. 2024): desirable w_d(1 - σ(β(r - z))), undesirable w_u(1 - σ(β(z - r))), r = log π - log
  π_ref (summed), z the reference point: the KL estimate max(0, mean(log π(y'|x) - log π_ref(y'|x))) over mismatched
  pairs (x with another example's completion y', see preference_data.py), detached as in TRL; reward β·r.
"""

from __future__ import annotations


def dpo_losses(chosen, rejected, ref_chosen, ref_rejected, beta: float):
    """(losses, chosen_rewards, rejected_rewards), one each per pair; log-probabilities summed over the completion."""
    import torch.nn.functional as F

    chosen_rewards, rejected_rewards = beta * (chosen - ref_chosen), beta * (rejected - ref_rejected)
    return -F.logsigmoid(chosen_rewards - rejected_rewards), chosen_rewards.detach(), rejected_rewards.detach()


def log1mexp(x):
    """log(1 - e^x) for x < 0, accurate at both ends (Mächler 2012)."""
    import torch

    return torch.where(x > -0.6931471805599453, torch.log(-torch.expm1(x)), torch.log1p(-torch.exp(x)))


def orpo_losses(chosen_mean, rejected_mean, beta: float):
    """(losses, chosen_rewards, rejected_rewards); arguments are mean token log-probabilities of each completion."""
    import torch.nn.functional as F

    log_odds = (chosen_mean - rejected_mean) - (log1mexp(chosen_mean) - log1mexp(rejected_mean))
    return -chosen_mean - beta * F.logsigmoid(log_odds), beta * chosen_mean.detach(), beta * rejected_mean.detach()


def simpo_losses(chosen_mean, rejected_mean, beta: float, gamma: float):
    """(losses, chosen_rewards, rejected_rewards); arguments are mean token log-probabilities of each completion."""
    import torch.nn.functional as F

    chosen_rewards, rejected_rewards = beta * chosen_mean, beta * rejected_mean
    return -F.logsigmoid(chosen_rewards - rejected_rewards - gamma), chosen_rewards.detach(), rejected_rewards.detach()


def kto_kl(mismatched, ref_mismatched):
    """(sum, count) of log π - log π_ref over mismatched pairs, for the caller to add up across micro-batches and
    processes before `kto_reference_point`."""
    diff = (mismatched - ref_mismatched).detach()
    return float(diff.sum()), int(diff.numel())


def kto_reference_point(kl_sum: float, kl_count: float) -> float:
    return max(0.0, kl_sum / kl_count) if kl_count else 0.0


def kto_losses(logps, ref_logps, desirable, kl: float, beta: float, desirable_weight: float, undesirable_weight: float):
    """(losses, rewards) per example; `desirable` a bool tensor (the line's `label`), `kl` from `kto_reference_point`."""
    import torch

    ratio = logps - ref_logps
    losses = torch.where(desirable, desirable_weight * (1 - torch.sigmoid(beta * (ratio - kl))),
                         undesirable_weight * (1 - torch.sigmoid(beta * (kl - ratio))))
    return losses, beta * ratio.detach()
