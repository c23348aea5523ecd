"""A seeded, deterministic minute of CPU pre-training for the tiny Llama.

Reads top to bottom: tokenise the corpus into one stream, build the model, fit, sample, save.
Two runs with the same seed, corpus, steps and thread count give byte-identical weights.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .corpus import Documents
from .tokenizer import BOS_ID, EOS_ID, IM_END_ID, VOCAB_SIZE

MODEL_CONFIG = {
    "vocab_size": VOCAB_SIZE,
    "hidden_size": 64,
    "intermediate_size": 176,
    "num_hidden_layers": 2,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "max_position_embeddings": 512,
    "rms_norm_eps": 1e-5,
    "initializer_range": 0.02,
    "tie_word_embeddings": False,
    "bos_token_id": BOS_ID,
    # Chat turns end with <|im_end|>; that is the token generation must stop at.
    "eos_token_id": IM_END_ID,
}


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 1400
    batch_size: int = 16
    seq_len: int = 128
    lr: float = 3e-3
    min_lr_ratio: float = 0.1
    warmup_steps: int = 30
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    # Conversations are a small share of the corpus but teach the chat format; repeat them.
    conversation_repeats: int = 4

    def as_dict(self) -> dict:
        return asdict(self)


SAMPLE_PROMPTS = (
    "<|im_start|>user\nWhat is a transformer?<|im_end|>\n<|im_start|>assistant\n",
    "The substation",
)


def token_stream(docs: Documents, sp_model: Path, settings: TrainSettings):
    """All documents as one tensor of ids: <s> document </s> <s> document </s> ..."""
    import sentencepiece as spm
    import torch

    processor = spm.SentencePieceProcessor(model_file=str(sp_model))
    texts = docs.prose + docs.conversations * settings.conversation_repeats
    ids: list[int] = []
    # The interleaving is fixed (not shuffled) so the stream, like everything else, depends on the seed only.
    for encoded in processor.encode(texts):
        ids.append(BOS_ID)
        ids.extend(encoded)
        ids.append(EOS_ID)
    return torch.tensor(ids, dtype=torch.long)


def learning_rate(step: int, s: TrainSettings) -> float:
    if step < s.warmup_steps:
        return s.lr * (step + 1) / s.warmup_steps
    progress = (step - s.warmup_steps) / max(1, s.steps - s.warmup_steps)
    return s.lr * (s.min_lr_ratio + (1 - s.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def configure_determinism(seed: int, threads: int) -> None:
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def build_model(seed: int):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(**MODEL_CONFIG)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).to(torch.float32)
    model.generation_config.bos_token_id = BOS_ID
    model.generation_config.eos_token_id = [IM_END_ID, EOS_ID]
    return model


def fit(model, stream, settings: TrainSettings, seed: int,
        report: Callable[[int, float, float], None]) -> list[float]:
    """Train on random windows of the stream; returns the loss of every step."""
    import torch
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(seed)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": settings.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=settings.lr, betas=(0.9, 0.95), foreach=False,
    )
    max_start = len(stream) - settings.seq_len - 1
    offsets = torch.arange(settings.seq_len + 1)
    losses: list[float] = []
    model.train()
    started = time.monotonic()
    for step in range(settings.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, settings)
        starts = torch.randint(0, max_start, (settings.batch_size,), generator=generator)
        window = stream[starts[:, None] + offsets]
        inputs, targets = window[:, :-1], window[:, 1:]
        logits = model(input_ids=inputs).logits
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
        optimizer.step()
        losses.append(float(loss.detach()))
        report(step + 1, losses[-1], time.monotonic() - started)
    model.eval()
    return losses


def greedy_samples(model, sp_model: Path, max_new_tokens: int = 40) -> dict[str, str]:
    """What the model says to fixed prompts; logged and kept in the manifest as a sanity check."""
    import sentencepiece as spm
    import torch

    processor = spm.SentencePieceProcessor(model_file=str(sp_model))
    samples = {}
    with torch.no_grad():
        for prompt in SAMPLE_PROMPTS:
            ids = torch.tensor([[BOS_ID] + processor.encode(prompt)])
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                 do_sample=False, pad_token_id=EOS_ID)
            samples[prompt] = processor.decode(out[0, ids.shape[1]:].tolist())
    return samples


def save_model(model, hf_dir: Path) -> None:
    model.save_pretrained(hf_dir)
