"""Facts about this Python environment and machine, for `hello` lines and the `doctor` command.

Versions come from package metadata so that commands which may finish without torch (a cached
tiny model) do not pay the 2-5 s it takes to import torch and transformers.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

from . import __version__

REPORTED_PACKAGES = (
    "torch", "transformers", "peft", "accelerate", "safetensors", "sentencepiece",
    "numpy", "gguf", "protobuf", "bitsandbytes", "liger-kernel",
)


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict:
    return {
        "lathe_trainer": __version__,
        "python": platform.python_version(),
        "torch": package_version("torch"),
        "transformers": package_version("transformers"),
    }


def usable_cpu_count() -> int:
    # The affinity mask is what a container or `taskset` actually grants; cpu_count() ignores it.
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def compute_threads() -> int:
    """Threads for torch's CPU work: OMP_NUM_THREADS when set (a user, or `npm test` running two lanes at once, caps
    it: torch's threads spin while they wait, so two processes with a thread per core each slow both several-fold),
    else every usable CPU."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) > 0:
        return min(int(value), usable_cpu_count())
    return usable_cpu_count()


def _meminfo_bytes(field: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def memory() -> dict:
    """System RAM; best effort, null where the platform does not say (macOS/Windows lack /proc)."""
    total = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = None
    return {"ram_total_bytes": total, "ram_available_bytes": _meminfo_bytes("MemAvailable")}


def platform_info() -> dict:
    return {
        "system": platform.system(),
        "machine": platform.machine(),
        "release": platform.release(),
        "description": platform.platform(),
        "python_executable": sys.executable,
        "cpu_count": usable_cpu_count(),
    }


def probe_gpus(torch) -> tuple[list[dict], str | None]:
    """Accelerators torch can use, as [{name, vram_bytes, kind}], and the CUDA (or HIP) version."""
    gpus: list[dict] = []
    hip = getattr(torch.version, "hip", None)
    toolkit = hip or torch.version.cuda
    if torch.cuda.is_available():
        kind = "rocm" if hip else "cuda"
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            gpus.append({"name": props.name, "vram_bytes": int(props.total_memory), "kind": kind})
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        vram = None
        if hasattr(torch, "mps") and hasattr(torch.mps, "recommended_max_memory"):
            vram = int(torch.mps.recommended_max_memory())
        gpus.append({"name": "Apple GPU (MPS)", "vram_bytes": vram, "kind": "mps"})
    return gpus, toolkit


def best_device(gpus: list[dict]) -> dict:
    if gpus:
        first = gpus[0]
        return {"kind": first["kind"], "name": first["name"], "index": 0 if first["kind"] != "mps" else None}
    return {"kind": "cpu", "name": platform.processor() or platform.machine(), "index": None}


def cpu_device() -> dict:
    return {"kind": "cpu", "name": platform.processor() or platform.machine(), "index": None}
