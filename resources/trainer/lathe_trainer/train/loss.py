"""The training loss without full-vocabulary float32 logits.

The plain way, `model(...).logits.float()` then cross-entropy, holds batch x length x vocabulary float32 numbers
and their gradient: for a 128k-vocabulary model at 8k tokens that is 4 GiB each. Here, for the families listed in
`HEADS`, the model is asked for no logits at all (transformers' `logits_to_keep` with an all-False mask: the output
head runs over zero rows), the decoder's last hidden states are taken from a forward hook, only the positions that
carry a label are kept (SFT masks prompts, so their logits are never computed), and the output head plus the
cross-entropy run over chunks of those rows under activation checkpointing: at most one chunk's logits exist at a
time, in the forward and in the backward pass. With liger-kernel installed and a CUDA device, Liger's fused linear
cross-entropy does the same in one kernel.

The sum is the same number as the plain loss up to float rounding (the chunks add up the same terms; the head's
matmul runs under the same autocast). `tests/test_train_loss.py` checks loss and gradients against the plain path
for every family fixture. A family not in `HEADS` (its head may scale or cap logits in a way we do not apply) uses
the plain loss.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..chat_template import IGNORE_INDEX
from ..protocol import LatheError

# model_type -> config attribute holding the final-logit soft-cap (None: the head is a plain linear layer).
HEADS: dict[str, str | None] = {
    "llama": None, "mistral": None, "qwen2": None, "qwen3": None, "phi3": None,
    "gemma2": "final_logit_softcapping", "gemma3_text": "final_logit_softcapping",
}
CHUNK_ENV = "LATHE_TRAINER_LOSS_CHUNK_ROWS"  # rows of logits per chunk (default 1024)
PLAIN_ENV = "LATHE_TRAINER_PLAIN_LOSS"       # =1: always the plain loss (benchmarks and tests compare the two)


@dataclass
class ChunkedHead:
    decoder: object        # the module whose output.last_hidden_state the head reads
    head: object           # the output embedding (lm_head), possibly wrapped by peft
    softcap: float | None
    chunk_rows: int
    liger: object | None   # LigerFusedLinearCrossEntropyLoss when installed, on CUDA, for a plain nn.Linear head

    def rows_loss(self, rows, targets):
        """Summed cross-entropy of `rows` (N x hidden) against `targets` (N), a chunk of logits at a time."""
        if self.liger is not None and rows.dtype == self.head.weight.dtype:  # a LoRA base in bf16/fp16, not fp32 masters
            return self.liger(self.head.weight, rows, targets)
        return self.rows_losses(rows, targets, reduction="sum").sum()

    def rows_losses(self, rows, targets, reduction: str = "none"):
        """The cross-entropy of each row (N), or per chunk with reduction "sum", a chunk of logits at a time."""
        import torch
        import torch.nn.functional as F
        from torch.utils.checkpoint import checkpoint

        def chunk(h, t):
            logits = self.head(h).float()
            if self.softcap:
                logits = torch.tanh(logits / self.softcap) * self.softcap
            return F.cross_entropy(logits, t, reduction=reduction).reshape(-1)

        parts = [checkpoint(chunk, rows[start:start + self.chunk_rows], targets[start:start + self.chunk_rows],
                            use_reentrant=False) for start in range(0, rows.size(0), self.chunk_rows)]
        return torch.cat(parts) if parts else rows.new_zeros(0, dtype=torch.float32)


def chunked_head_for(model, device: str) -> ChunkedHead | None:
    """The chunked loss for this (peft- and DDP-unwrapped) model, or None for the plain loss."""
    if os.environ.get(PLAIN_ENV) == "1":
        return None
    core = getattr(model, "module", model)
    if hasattr(core, "get_base_model"):
        core = core.get_base_model()
    config = getattr(core, "config", None)
    kind = getattr(config, "model_type", None)
    if kind not in HEADS:
        return None
    try:
        decoder, head = core.get_decoder(), core.get_output_embeddings()
    except (AttributeError, ValueError, NotImplementedError):
        return None
    if decoder is None or head is None:
        return None
    softcap = getattr(config, HEADS[kind], None) if HEADS[kind] else None
    rows = int(os.environ.get(CHUNK_ENV, "1024") or 1024)
    return ChunkedHead(decoder, head, float(softcap) if softcap else None, max(1, rows),
                       _liger_loss(head, softcap, device) if device.startswith("cuda") else None)


def _liger_loss(head, softcap, device):
    """Liger's fused linear cross-entropy, when installed and the head is a plain linear layer (not LoRA-wrapped)."""
    import torch

    if type(head) is not torch.nn.Linear or head.bias is not None:
        return None
    try:
        from liger_kernel.transformers.fused_linear_cross_entropy import LigerFusedLinearCrossEntropyLoss
    except ImportError:
        return None
    return LigerFusedLinearCrossEntropyLoss(ignore_index=IGNORE_INDEX, reduction="sum", softcap=softcap)


def token_loss_sum(model, b, head: ChunkedHead | None, autocast):
    """Summed next-token cross-entropy over label positions of batch `b` (already on the device), in float32."""
    import torch.nn.functional as F

    labels = b.labels[:, 1:]
    if head is None:
        logits = _plain_logits(model, b, autocast)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1),
                               ignore_index=IGNORE_INDEX, reduction="sum")
    hidden = _hidden_states(model, b, head, autocast)
    keep = labels != IGNORE_INDEX
    if not bool(keep.any()):
        return hidden.sum().float() * 0.0  # no label here: a zero that still reaches every parameter (DDP waits on all)
    with autocast:
        return head.rows_loss(hidden[keep], labels[keep])


def row_logps(model, b, head: ChunkedHead | None, autocast):
    """Per row of batch `b`: the summed log-probability of its labelled tokens (float32, [rows]) and how many there
    are ([rows]) - the sequence log-probabilities the preference objectives compare (preference.py). Same chunking
    as `token_loss_sum`: no full-vocabulary logits for the families in HEADS."""
    import torch
    import torch.nn.functional as F

    labels = b.labels[:, 1:]
    keep = labels != IGNORE_INDEX
    rows = torch.arange(labels.size(0), device=labels.device).unsqueeze(1).expand_as(labels)[keep]
    sums = torch.zeros(labels.size(0), dtype=torch.float32, device=labels.device)
    if head is None:
        logits = _plain_logits(model, b, autocast)
        return sums.index_add(0, rows, -F.cross_entropy(logits[keep], labels[keep], reduction="none")), keep.sum(dim=1)
    hidden = _hidden_states(model, b, head, autocast)
    if not bool(keep.any()):
        return sums + hidden.sum().float() * 0.0, keep.sum(dim=1)  # zeros that still reach every parameter (DDP)
    with autocast:
        token_logps = -head.rows_losses(hidden[keep], labels[keep])
    return sums.index_add(0, rows, token_logps), keep.sum(dim=1)


def _plain_logits(model, b, autocast):
    with autocast:
        logits = model(input_ids=b.input_ids, attention_mask=b.attention_mask, position_ids=b.position_ids,
                       use_cache=False).logits
    return logits[:, :-1].float()


def _hidden_states(model, b, head: ChunkedHead, autocast):
    """The decoder's last hidden states of `b` (all but the last position), the model asked for no logits."""
    import torch

    captured = []
    hook = head.decoder.register_forward_hook(lambda _m, _i, out: captured.append(out))
    try:
        with autocast:
            out = model(input_ids=b.input_ids, attention_mask=b.attention_mask, position_ids=b.position_ids,
                        use_cache=False, logits_to_keep=torch.zeros_like(b.input_ids, dtype=torch.bool))
    finally:
        hook.remove()
    if not captured or out.logits.numel() != 0:
        raise LatheError("trainer_internal", "The chunked loss could not read the model's hidden states.",
                         f"Set the environment variable {PLAIN_ENV}=1 to use the plain loss, and report this model.")
    last = captured[-1]
    return (last.last_hidden_state if hasattr(last, "last_hidden_state") else last[0])[:, :-1]
