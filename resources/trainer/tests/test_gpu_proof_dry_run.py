"""bench/gpu/proof.sh --dry-run: the GPU proof runs end to end on the CPU (toy shapes), so the script a GPU box
runs once is known to work before it gets there. Mocked: the GPU itself (none here) - every section runs its CPU
stand-in: bf16 autocast on CPU, fp16 through the trainer's CPU test hook, QLoRA reported as skipped."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import TRAINER_DIR

ROOT = TRAINER_DIR.parents[1]


def test_gpu_proof_dry_run_runs_every_section_on_cpu():
    run = subprocess.run(["bash", str(ROOT / "bench" / "gpu" / "proof.sh"), "--dry-run"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    for section in ("1. bf16 LoRA throughput", "2. fp16 vs bf16", "3. QLoRA", "verdicts"):
        assert section in out, out
    for model in ("1b", "8b"):
        assert re.search(rf"{model}\s+HF Trainer \+ peft\s+\d+ tokens/s", out), out
        assert re.search(rf"{model}\s+Lathe\s+\d+ tokens/s", out), out
        assert re.search(rf"{model}\s+memory estimate [\d.]+ GiB", out), out
    assert re.search(r"fp16: loss [\d.]+ -> [\d.]+ over 12 steps", out), out
    assert "SKIP  QLoRA loads and trains: no CUDA" in out
