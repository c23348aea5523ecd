"""`doctor`: what this Python environment can do, so the engine can explain a broken setup.

It reports missing packages as null instead of failing: the point is to tell the user what to fix.
"""

from __future__ import annotations

from . import environment
from .protocol import ProtocolWriter


def run_doctor(writer: ProtocolWriter) -> None:
    try:
        import torch  # noqa: PLC0415 - imported here so a missing torch is reported, not raised
    except ImportError:
        torch = None

    gpus: list[dict] = []
    toolkit = None
    hip = None
    if torch is not None:
        gpus, toolkit = environment.probe_gpus(torch)
        hip = getattr(torch.version, "hip", None)

    writer.hello("doctor", environment.versions(), environment.best_device(gpus), environment.memory())

    packages = {name: environment.package_version(name) for name in environment.REPORTED_PACKAGES}
    writer.done({
        "python": environment.versions()["python"],
        "torch": torch.__version__ if torch is not None else None,
        "transformers": packages["transformers"],
        "peft": packages["peft"],
        "cuda_available": bool(torch is not None and torch.cuda.is_available()),
        "cuda_version": toolkit if not hip else None,
        "hip_version": hip,
        "gpus": gpus,
        "platform": environment.platform_info(),
        "memory": environment.memory(),
        "packages": packages,
    })
