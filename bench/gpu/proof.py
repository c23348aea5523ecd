"""The GPU proof (issue 13): what the Lathe trainer does on one CUDA GPU, measured in one run of a few minutes.

    bash bench/gpu/proof.sh              # a CUDA machine (H100/H200): about 5-9 minutes
    bash bench/gpu/proof.sh --dry-run    # any machine, CPU: the same steps on toy shapes (CI runs this)

Needs only a Python with torch, transformers, peft and accelerate (our pins, or torch >= 2.11 and transformers >=
5.17) plus this repository's resources/ (the trainer sources and the sample data); bitsandbytes when present.
Wheels placed in bench/gpu/wheels/ (at most 60 MiB: e.g. liger-kernel) are installed first, offline. Nothing is
downloaded; every model is random weights of a real model's shape, built on the spot.

It prints, section by section:
  1. bf16 LoRA throughput, Lathe vs a plain transformers Trainer + peft run (same model, data, sequence length,
     LoRA settings, effective batch and steps; each side in its own process): tokens/s, peak GPU memory and MFU,
     on a Llama-3.2-1B-shaped and a Llama-3-8B-shaped model at max_seq_len 4096 (shapes.json). MFU = tokens/s x 4N / peak, with
     the peak both the spec sheet's dense bf16 figure and a bf16 matmul measured here first. Goal: >= 2x tokens/s.
  2. fp16 vs bf16: the same LoRA run in both; fp16's loss must fall like bf16's (its GradScaler path works).
  3. QLoRA: loads the 1B shape in 4 bits and trains a few steps, if bitsandbytes is installed.
  4. The Train page's memory estimate (src/shared/training/memory-estimate.ts, precomputed for these exact shapes
     and settings in estimates.json, kept current by a unit test) next to each measured peak.
The last lines are one PASS/FAIL/SKIP verdict per goal. Record the figures in the README's benchmark section.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TRAINER = ROOT / "resources" / "trainer"
sys.path.insert(0, str(TRAINER))

_spec = importlib.util.spec_from_file_location("trainer_bench", ROOT / "bench" / "trainer-bench.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

SHAPES = json.loads((HERE / "shapes.json").read_text(encoding="utf-8"))  # "gpu" and the dry run's "toy"
SPEC_BF16_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12}  # dense, from the spec sheets
RANK = 16


def install_carried_wheels() -> None:
    wheels = sorted((HERE / "wheels").glob("*.whl"))
    if wheels:
        print(f"installing {len(wheels)} carried wheel(s) offline: {', '.join(w.name for w in wheels)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet", *map(str, wheels)],
                       check=False)


def environment(device: str) -> dict:
    import torch
    import transformers

    facts = {"torch": torch.__version__, "transformers": transformers.__version__, "device": device,
             "bitsandbytes": importlib.util.find_spec("bitsandbytes") is not None,
             "liger_kernel": importlib.util.find_spec("liger_kernel") is not None,
             "flash_attn": importlib.util.find_spec("flash_attn") is not None}
    if device == "cuda":
        facts["gpu"] = torch.cuda.get_device_name(0)
        facts["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
    return facts


def measured_matmul_peak() -> float:
    """Dense bf16 matmul FLOP/s this GPU sustains (8192^3, best of a few), the realistic MFU denominator."""
    import torch

    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    best = 0.0
    for _ in range(5):
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(10):
            a @ b
        torch.cuda.synchronize()
        best = max(best, 10 * 2 * 8192**3 / (time.perf_counter() - t))
    return best


def tokenizer_dir(work: Path) -> Path:
    """A small byte-level BPE with Llama 3's chat template (the family fixture), built offline in a second."""
    from lathe_trainer.testing.families import build_family

    out = work / "tokenizer-source"
    if not out.exists():
        build_family("llama3", out, dtype="float32")
    return out


def build_model(work: Path, name: str, shape: dict, device: str) -> Path:
    out = work / f"model-{name}"
    if out.exists():
        return out
    started = time.monotonic()
    llama = {k: v for k, v in shape.items() if k != "model_type"}
    bench.build_random_model(out, tokenizer_dir(work), llama, "bfloat16" if device == "cuda" else "float32",
                             device=device)
    print(f"  built {name} ({shape['num_hidden_layers']} layers, width {shape['hidden_size']}, vocab "
          f"{shape['vocab_size']}) in {time.monotonic() - started:.0f} s", flush=True)
    return out


def train_data(work: Path, count: int, max_turns: int) -> Path:
    path = work / f"train-{count}-{max_turns}.jsonl"
    if not path.exists():
        path.write_text("".join(json.dumps(c) + "\n" for c in bench.make_conversations(count, 0, max_turns)))
    return path


def settings(s: dict) -> argparse.Namespace:
    return argparse.Namespace(rank=RANK, no_packing=False, **s)


def throughput(work: Path, shapes: dict, device: str, peaks: dict, estimates: dict, verdicts: list) -> None:
    print("\n1. bf16 LoRA throughput, Lathe vs HF Trainer + peft", flush=True)
    import torch

    for name in ("1b", "8b"):
        shape, s = shapes[name]["shape"], shapes[name]["run"]
        model = build_model(work, name, shape, device)
        # Conversations of 1-40 turns: lengths from a hundred tokens to the full sequence length.
        data = train_data(work, s["micro_batch"] * s["grad_accum"] * s["steps"], 40 if device == "cuda" else 6)
        args = settings(s)
        base = bench.run_baseline(args, model, work, data, device)
        ours = bench.run_lathe(args, model, work, data, device)
        n = bench.matmul_params(model)
        line = {}
        for side, r in (("HF Trainer + peft", base), ("Lathe", ours)):
            tps = r["tokens"] / r["seconds"]
            mfu = "  ".join(f"MFU {100 * tps * 4 * n / peak:.1f}% of {label}" for label, peak in peaks.items())
            print(f"  {name:3s} {side:18s} {tps:9.0f} tokens/s  peak {r['peak_bytes'] / 2**30:6.2f} GiB  {mfu}",
                  flush=True)
            line[side] = (tps, r["peak_bytes"])
        estimate = estimates.get(f"{name}-lora")
        if estimate:
            print(f"  {name:3s} memory estimate {estimate / 2**30:.2f} GiB vs Lathe's measured peak "
                  f"{ours['peak_bytes'] / 2**30:.2f} GiB (ratio {estimate / ours['peak_bytes']:.2f})", flush=True)
        ratio = line["Lathe"][0] / line["HF Trainer + peft"][0]
        memory = line["Lathe"][1] / line["HF Trainer + peft"][1]
        print(f"  {name:3s} ratio Lathe / HF: {ratio:.2f}x tokens/s, {memory:.2f}x peak memory", flush=True)
        verdicts.append((f"{name} bf16 LoRA >= 2x HF tokens/s", ratio >= 2.0 if device == "cuda" else None,
                         f"{ratio:.2f}x"))
        shutil.rmtree(model, ignore_errors=True)  # the 8B folder is 16 GB
        if device == "cuda":
            torch.cuda.empty_cache()


def lathe_losses(work: Path, model: Path, data: Path, s: dict, device: str, **overrides) -> tuple[list[float], dict]:
    folder = work / f"run-{'-'.join(f'{k}{v}' for k, v in overrides.items())}"
    folder.mkdir(exist_ok=True)
    result = bench.run_lathe(settings(s), model, folder, data, device, overrides=overrides, keep_losses=True)
    return result["losses"], result


def fp16_vs_bf16(work: Path, shapes: dict, device: str, verdicts: list) -> None:
    print("\n2. fp16 vs bf16 LoRA: the loss must fall alike", flush=True)
    shape, s = shapes["converge"]["shape"], shapes["converge"]["run"]
    model = build_model(work, "converge", shape, device)
    data = train_data(work, 64, 3)
    curves = {}
    for precision in ("bf16", "fp16"):
        values, r = lathe_losses(work, model, data, s, device, precision=precision, lr=2e-3)
        curves[precision] = values
        print(f"  {precision}: loss {values[0]:.3f} -> {values[-1]:.3f} over {len(values)} steps "
              f"({r['tokens'] / r['seconds']:.0f} tokens/s, {r['overflows']} skipped fp16 step(s))", flush=True)
    bf16, fp16 = curves["bf16"], curves["fp16"]
    fell = fp16[-1] < 0.8 * fp16[0]
    alike = abs(fp16[-1] - bf16[-1]) <= 0.1 * bf16[0]
    verdicts.append(("fp16 LoRA converges like bf16", fell and alike,
                     f"fp16 {fp16[0]:.3f}->{fp16[-1]:.3f}, bf16 {bf16[0]:.3f}->{bf16[-1]:.3f}"))


def qlora(work: Path, shapes: dict, device: str, estimates: dict, verdicts: list) -> None:
    print("\n3. QLoRA (4-bit base, bitsandbytes)", flush=True)
    if device != "cuda":
        print("  skipped: QLoRA needs a CUDA GPU", flush=True)
        verdicts.append(("QLoRA loads and trains", None, "no CUDA"))
        return
    if importlib.util.find_spec("bitsandbytes") is None:
        print("  skipped: bitsandbytes is not installed in this Python", flush=True)
        verdicts.append(("QLoRA loads and trains", None, "no bitsandbytes"))
        return
    shape, s = shapes["1b"]["shape"], shapes["1b"]["run"]
    model = build_model(work, "1b", shape, device)
    values, r = lathe_losses(work, model, train_data(work, 64, 6), dict(s, steps=6), device, method="qlora",
                             precision="bf16")
    print(f"  loss {values[0]:.3f} -> {values[-1]:.3f}, {r['tokens'] / r['seconds']:.0f} tokens/s, peak "
          f"{r['peak_bytes'] / 2**30:.2f} GiB (estimate {estimates.get('1b-qlora', 0) / 2**30:.2f} GiB)", flush=True)
    verdicts.append(("QLoRA loads and trains", values[-1] < values[0], f"{values[0]:.3f}->{values[-1]:.3f}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true", help="CPU, toy shapes, a few steps: checks the script runs")
    parser.add_argument("--only", choices=["throughput", "fp16", "qlora"], action="append",
                        help="run just these sections (repeatable)")
    args = parser.parse_args()
    started = time.monotonic()
    import torch

    device = "cpu" if args.dry_run else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        print("No CUDA GPU is visible to torch: run with --dry-run on a machine without one.", file=sys.stderr)
        return 2
    if not args.dry_run:
        install_carried_wheels()
    facts = environment(device)
    print("GPU proof" + (" (dry run on CPU: toy shapes, figures mean nothing)" if args.dry_run else ""), flush=True)
    print("  " + "  ".join(f"{k} {v}" for k, v in facts.items()), flush=True)
    peaks = {}
    if device == "cuda":
        peaks["measured bf16 matmul"] = measured_matmul_peak()
        spec = next((v for k, v in SPEC_BF16_FLOPS.items() if k in facts["gpu"]), None)
        if spec:
            peaks["spec sheet"] = spec
        print("  peak: " + ", ".join(f"{k} {v / 1e12:.0f} TFLOP/s" for k, v in peaks.items()), flush=True)
    else:
        peaks["a nominal 1 TFLOP/s"] = 1e12
    estimates = json.loads((HERE / "estimates.json").read_text(encoding="utf-8"))["toy" if args.dry_run else "gpu"]
    sections = args.only or ["throughput", "fp16", "qlora"]
    verdicts: list[tuple[str, bool | None, str]] = []
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.dry_run:
        os.environ["LATHE_TRAINER_CPU_FP16"] = "1"  # the trainer's test hook: fp16 autocast + GradScaler on CPU
    with tempfile.TemporaryDirectory(prefix="lathe-gpu-proof-") as tmp:
        work = Path(tmp)
        shapes = SHAPES["toy" if args.dry_run else "gpu"]
        if "throughput" in sections:
            throughput(work, shapes, device, peaks, estimates, verdicts)
        if "fp16" in sections:
            fp16_vs_bf16(work, shapes, device, verdicts)
        if "qlora" in sections:
            qlora(work, shapes, device, estimates, verdicts)
    print(f"\nverdicts ({time.monotonic() - started:.0f} s in all):", flush=True)
    for goal, ok, detail in verdicts:
        print(f"  {'SKIP' if ok is None else 'PASS' if ok else 'FAIL'}  {goal}: {detail}", flush=True)
    return 0 if all(ok is not False for _, ok, _ in verdicts) or args.dry_run else 1


if __name__ == "__main__":
    sys.exit(main())
