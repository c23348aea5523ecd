"""Lathe's trainer vs a plain transformers Trainer + peft baseline: tokens/s and peak memory, in one run.

    .venv/bin/python bench/trainer-bench.py            # CPU, a small random Llama with Llama 3's 128k vocabulary
    .venv/bin/python bench/trainer-bench.py --vocab 32768   # the same with a 32k vocabulary (Mistral, Phi-3)
    .venv/bin/python bench/trainer-bench.py --gpu      # CUDA, a ~0.5B Qwen2.5-shaped Llama with random weights
    .venv/bin/python bench/trainer-bench.py --vocab 0  # CPU, the tiny model itself (~/.cache/lathe/tiny-model/seed-0)

On CPU the default model is 4 layers of width 512 with Llama 3's 128,256-token vocabulary (random weights, the tiny
model's tokenizer): the vocabulary real models have (32k-256k), so full float32 logits weigh what they weigh there,
on a body small enough to run in minutes. Goals (issue 13): Lathe >= 1.0x the baseline's tokens/s and <= 0.8x its
peak memory. Peak RSS includes ~740 MB that importing the CUDA build of torch costs both sides alike.

Measured on the 2-core CI machine, 2026-12-02 (one trial each; chunked loss = train/loss.py):
  vocab 128,256: Lathe 561 vs HF 341 tokens/s (1.65x), peak 3524 vs 5006 MiB (0.70x)
  vocab  32,768: Lathe 1179 vs HF 948 tokens/s (1.24x), peak 2275 vs 2569 MiB (0.89x);
                 with the plain loss (LATHE_TRAINER_PLAIN_LOSS=1) 1.02x and 1.03x: the chunking is the difference.

Both sides get the same model, the same variable-length chat examples (1-6 question/answer turns built from
resources/samples/northwind-qa.jsonl, so lengths vary several-fold), the same sequence length, LoRA settings
(rank, alpha, dropout, all-linear), learning rate, schedule and effective batch, and the same number of steps
(whole epochs, so both see the same real tokens). Each side runs in its own process, so peak memory is its own:
peak RSS on CPU, torch.cuda.max_memory_allocated on GPU. tokens/s counts real (non-padding) tokens over the
training loop's wall time, model loading excluded. On CPU the bench also prints tokens per CPU-second of the
process (time.process_time over the loop): on a shared machine wall time swings with other jobs, CPU time much
less. Trials alternate (baseline, Lathe, baseline, Lathe...) and the best of each side counts.

Lathe: `python -m lathe_trainer train` exactly as the engine starts it (packing on: padding-free micro-batches;
SDPA; bf16 autocast on GPU with the frozen base in bf16). Baseline: `transformers.Trainer` with a
`peft.get_peft_model` model, DataCollatorForSeq2Seq padding to the longest example of each batch, SDPA, bf16
on GPU with the model loaded in bf16 - what a plain script would do.

MFU (GPU): tokens/s x FLOPs per token / 989e12 (the H100/H200 spec sheets' dense bf16 peak; bench/gpu/proof.py
also divides by a matmul peak it measures). FLOPs per token = 4N for
LoRA (forward 2N + backward through the activations 2N; the frozen base gets no weight gradients) and 6N for a
full fine-tune, N = parameters in matmuls (all but the input embedding; tied lm_head counted once), attention's
sequence-length term left out. The --gpu path has not run yet (no GPU in the session that wrote it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAINER = ROOT / "resources" / "trainer"
SAMPLES = ROOT / "resources" / "samples" / "northwind-qa.jsonl"
TINY = Path.home() / ".cache" / "lathe" / "tiny-model" / "seed-0" / "hf"
H100_H200_SPEC_BF16_FLOPS = 989e12  # dense bf16, from NVIDIA's spec sheets (bench/gpu/proof.py also measures one)


def make_conversations(count: int, seed: int, max_turns: int) -> list[dict]:
    rows = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [[m for m in r["messages"] if m["role"] != "system"] for r in rows]
    system = next((m for m in rows[0]["messages"] if m["role"] == "system"), None)
    rng = random.Random(seed)
    conversations = []
    for _ in range(count):
        messages = [system] if system and rng.random() < 0.5 else []
        for _ in range(rng.randint(1, max_turns)):
            messages += rng.choice(pairs)
        conversations.append({"messages": messages})
    return conversations


QWEN_05B_SHAPE = dict(vocab_size=151_936, hidden_size=896, intermediate_size=4_864, num_hidden_layers=24,
                      num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True)


def cpu_shape(vocab: int) -> dict:
    return dict(vocab_size=vocab, hidden_size=512, intermediate_size=1_408, num_hidden_layers=4,
                num_attention_heads=8, num_key_value_heads=2, tie_word_embeddings=False)


def build_random_model(out: Path, tokenizer_dir: Path, shape: dict, dtype: str = "bfloat16", device: str = "cpu") -> Path:
    """A Llama of `shape` (default: Qwen2.5-0.5B's, hidden 896, 24 layers, 14 heads, 2 KV heads, vocab 151,936),
    random weights, saved as safetensors next to the tiny model's tokenizer (ids < 512 only: fine for throughput)."""
    import shutil

    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(**shape, max_position_embeddings=32_768, rope_theta=1_000_000.0, bos_token_id=1,
                         eos_token_id=4)
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))  # initialised in the target dtype, on the target device:
    try:                                             # an 8B model never exists in fp32 on the CPU
        with torch.device(device):
            model = LlamaForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.save_pretrained(out, safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "chat_template.jinja"):
        if (tokenizer_dir / name).exists():
            shutil.copy(tokenizer_dir / name, out / name)
    return out


def matmul_params(model_dir: Path) -> int:
    from transformers import AutoConfig

    c = AutoConfig.from_pretrained(model_dir)
    head_dim = c.hidden_size // c.num_attention_heads
    attn = c.hidden_size * head_dim * (2 * c.num_attention_heads + 2 * c.num_key_value_heads)
    mlp = 3 * c.hidden_size * c.intermediate_size
    return c.num_hidden_layers * (attn + mlp) + c.vocab_size * c.hidden_size  # + lm_head (tied or not: counted once)


def run_lathe(args, model_dir: Path, work: Path, train: Path, device: str, overrides: dict | None = None,
              keep_losses: bool = False) -> dict:
    config = {"base_model": str(model_dir), "output_dir": str(work / "lathe-out"), "method": "lora", "objective": "sft",
              "data": {"train": [str(train)], "validation": None},
              "lora": {"rank": args.rank, "alpha": 2 * args.rank, "dropout": 0.05, "target_modules": "all-linear"},
              "max_seq_len": args.seq_len, "micro_batch_size": args.micro_batch, "grad_accum": args.grad_accum,
              "lr": 2e-4, "schedule": "cosine", "warmup_steps": 2, "max_steps": args.steps, "seed": 0,
              "device": device, "packing": not args.no_packing, "heartbeat_seconds": 0,
              "precision": "bf16" if device == "cuda" else "fp32", **(overrides or {})}
    path = work / "run.json"
    path.write_text(json.dumps(config))
    env = {**os.environ, "PYTHONPATH": str(TRAINER)}
    result = subprocess.run([sys.executable, "-m", "lathe_trainer", "train", "--config", str(path)], cwd=TRAINER,
                            env=env, capture_output=True, text=True)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or lines[-1]["type"] != "done":
        sys.exit(f"lathe trainer failed:\n{result.stderr[-3000:]}\n{lines[-1:]}")
    done = lines[-1]["payload"]
    metrics = [line for line in lines if line["type"] == "metrics"]
    result = {"tokens": done["tokens"], "seconds": done["train_seconds"], "cpu_seconds": done["train_cpu_seconds"],
              "peak_bytes": metrics[-1]["memory_bytes"], "mean_loss": sum(m["loss"] for m in metrics) / len(metrics)}
    if keep_losses:
        result["losses"] = [m["loss"] for m in metrics]
        result["overflows"] = sum(1 for line in lines if line["type"] == "event" and line.get("kind") == "fp16_overflow")
    return result


def baseline_worker(args) -> None:
    """Runs in its own process (--baseline-worker): the plain HF Trainer + peft script."""
    sys.path.insert(0, str(TRAINER))
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer, TrainerCallback,
                              TrainingArguments)

    from lathe_trainer.train.data import encode_sft, read_jsonl  # same tokenisation and masking as ours

    cuda = args.device == "cuda"
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows = [encode_sft(tokenizer, m, args.seq_len) for m in read_jsonl(args.train, "sft")]
    dataset = [{"input_ids": r.input_ids, "attention_mask": [1] * len(r.input_ids), "labels": r.labels} for r in rows]
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.bfloat16 if cuda else torch.float32,
                                                 attn_implementation="sdpa")
    model = get_peft_model(model, LoraConfig(r=args.rank, lora_alpha=2 * args.rank, lora_dropout=0.05,
                                             target_modules="all-linear", task_type="CAUSAL_LM"))
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    counted = {"tokens": 0}

    def collate(features):
        counted["tokens"] += sum(len(f["input_ids"]) for f in features)
        return collator(features)

    class Clock(TrainerCallback):
        def on_train_begin(self, *a, **k):
            if cuda:
                torch.cuda.synchronize()
            counted["start"], counted["cpu_start"] = time.monotonic(), time.process_time()

        def on_train_end(self, *a, **k):
            if cuda:
                torch.cuda.synchronize()
            counted["seconds"] = time.monotonic() - counted["start"]
            counted["cpu_seconds"] = time.process_time() - counted["cpu_start"]

    training = TrainingArguments(output_dir=str(Path(args.work) / "hf-out"), per_device_train_batch_size=args.micro_batch,
                                 gradient_accumulation_steps=args.grad_accum, max_steps=args.steps, learning_rate=2e-4,
                                 lr_scheduler_type="cosine", warmup_steps=2, logging_steps=max(1, args.steps // 4),
                                 save_strategy="no", report_to="none", bf16=cuda, use_cpu=not cuda, seed=0,
                                 dataloader_num_workers=0, remove_unused_columns=False, disable_tqdm=True)
    trainer = Trainer(model=model, args=training, train_dataset=dataset, data_collator=collate, callbacks=[Clock()])
    result = trainer.train()
    peak = torch.cuda.max_memory_allocated() if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"tokens": counted["tokens"], "seconds": counted["seconds"], "cpu_seconds": counted["cpu_seconds"],
                      "peak_bytes": peak,
                      "mean_loss": result.training_loss}))


def run_baseline(args, model_dir: Path, work: Path, train: Path, device: str) -> dict:
    command = [sys.executable, __file__, "--baseline-worker", "--model", str(model_dir), "--train", str(train),
               "--work", str(work), "--device", device, "--steps", str(args.steps), "--seq-len", str(args.seq_len),
               "--micro-batch", str(args.micro_batch), "--grad-accum", str(args.grad_accum), "--rank", str(args.rank)]
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if result.returncode != 0:
        sys.exit(f"baseline failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gpu", action="store_true", help="CUDA with a random ~0.5B model instead of the tiny CPU model")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--seq-len", type=int, default=None)
    parser.add_argument("--micro-batch", type=int, default=None)
    parser.add_argument("--grad-accum", type=int, default=None)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--vocab", type=int, default=128_256, help="CPU: vocabulary of the random model (Llama 3's by default; 0: the tiny model)")
    parser.add_argument("--examples", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None, help="alternating trials per side (best counts)")
    parser.add_argument("--no-packing", action="store_true", help="Lathe with padded micro-batches (to see what packing buys)")
    parser.add_argument("--baseline-worker", action="store_true", help=argparse.SUPPRESS)
    for hidden in ("--model", "--train", "--work", "--device"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_worker:
        args.steps, args.seq_len, args.micro_batch, args.grad_accum = (int(args.steps), int(args.seq_len),
                                                                     int(args.micro_batch), int(args.grad_accum))
        return baseline_worker(args)

    device = "cuda" if args.gpu else "cpu"
    defaults = dict(steps=24, seq_len=1024, micro_batch=8, grad_accum=2, examples=192, repeat=1) if args.gpu else \
        dict(steps=16, seq_len=512, micro_batch=4, grad_accum=2, examples=64, repeat=2)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if not (TINY / "tokenizer.json").is_file():
        sys.exit(f"No tiny model at {TINY}: run `npm run demo` or `.venv/bin/python -m lathe_trainer make-tiny-model "
                 f"--out {TINY.parent}` (from resources/trainer) first.")
    with tempfile.TemporaryDirectory(prefix="lathe-trainer-bench-") as tmp:
        work = Path(tmp)
        model_dir = build_random_model(work / "model", TINY, QWEN_05B_SHAPE) if args.gpu else \
            build_random_model(work / "model", TINY, cpu_shape(args.vocab), "float32") if args.vocab else TINY
        train = work / "train.jsonl"
        train.write_text("".join(json.dumps(c) + "\n" for c in make_conversations(args.examples, 0, 6 if args.gpu else 3)))
        print(f"trainer bench ({device}): model {model_dir}, {args.examples} variable-length chat examples, "
              f"seq {args.seq_len}, micro-batch {args.micro_batch} x accumulation {args.grad_accum}, LoRA rank "
              f"{args.rank}, {args.steps} steps", flush=True)
        trials: dict[str, list[dict]] = {"base": [], "ours": []}
        for trial in range(args.repeat):
            trials["base"].append(run_baseline(args, model_dir, work, train, device))
            trials["ours"].append(run_lathe(args, model_dir, work, train, device))
            for side, r in ((s, trials[s][-1]) for s in ("base", "ours")):
                print(f"  trial {trial + 1} {side}: {r['tokens'] / r['seconds']:.0f} tokens/s wall, "
                      f"{r['tokens'] / r['cpu_seconds']:.0f} tokens/CPU-s", flush=True)
        matmul_n = matmul_params(model_dir)
    best = {side: {"tps": max(r["tokens"] / r["seconds"] for r in rs), "tpc": max(r["tokens"] / r["cpu_seconds"] for r in rs),
                   "peak": min(r["peak_bytes"] for r in rs), "r": rs[-1]} for side, rs in trials.items()}
    for name, side in (("HF Trainer + peft", "base"), ("Lathe trainer", "ours")):
        b = best[side]
        print(f"  {name:18s} {b['tps']:10.0f} tokens/s  {b['tpc']:8.0f} tokens/CPU-s  peak {b['peak'] / 2**20:8.1f} MiB  "
              f"({b['r']['tokens']} tokens, mean train loss {b['r']['mean_loss']:.3f})")
        if args.gpu:
            print(f"  {'':18s} MFU {100 * b['tps'] * 4 * matmul_n / H100_H200_SPEC_BF16_FLOPS:.1f} % (4N FLOPs/token, N = "
                  f"{matmul_n / 1e6:.0f} M, vs 989 TFLOP/s)")
    print(f"ratio tokens/s (Lathe / baseline): {best['ours']['tps'] / best['base']['tps']:.2f}x wall, "
          f"{best['ours']['tpc'] / best['base']['tpc']:.2f}x per CPU-second   "
          f"peak memory (Lathe / baseline): {best['ours']['peak'] / best['base']['peak']:.2f}x")


if __name__ == "__main__":
    main()
