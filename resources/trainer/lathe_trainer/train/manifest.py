"""run-manifest.json: everything a reviewer needs to trace a trained model back to its inputs."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from .. import environment
from .checkpoint import sha256_file, weights_sha256

MANIFEST_NAME = "run-manifest.json"
MANIFEST_FORMAT = "lathe-run"
LIBRARIES = ("torch", "transformers", "peft", "accelerate", "safetensors", "numpy", "bitsandbytes")


class EventSummary:
    """Counts and key values of the events a run emitted, kept for the manifest."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.losses: list[float] = []
        self.evals: list[dict] = []
        self.checkpoints: list[dict] = []
        self.events: list[dict] = []  # `event` lines: out-of-memory fallbacks, the data mix, distributed setup

    def record(self, type_: str, fields: dict) -> None:
        self.counts[type_] = self.counts.get(type_, 0) + 1
        if type_ == "metrics":
            self.losses.append(fields["loss"])
        elif type_ == "eval":
            self.evals.append(dict(fields))  # step, val_loss (+ the preference objectives' val_ metrics)
        elif type_ == "checkpoint":
            self.checkpoints.append({"step": fields["step"], "path": fields["path"], "sha256": fields["sha256"]})
        elif type_ == "event":
            self.events.append(dict(fields))

    def as_dict(self) -> dict:
        return {"counts": self.counts, "first_loss": self.losses[0] if self.losses else None,
                "final_loss": self.losses[-1] if self.losses else None, "evals": self.evals,
                "checkpoints": self.checkpoints, "events": self.events}


def base_model_hashes(weights: list[Path]) -> dict:
    return {path.name: sha256_file(path) for path in weights}


def write_run_manifest(out: Path, *, config: dict, base_weights: dict, data_files: dict, device: dict,
                       output_dir: Path, resumed_from: str | None, steps: int, summary: EventSummary,
                       dropped_examples: int, data_mix: list[dict] | None = None) -> Path:
    manifest = {
        "format": MANIFEST_FORMAT,
        "manifest_version": 1,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config,
        "seed": config["seed"],
        "base_model": {"path": config["base_model"], "safetensors_sha256": base_weights},
        "data_files": data_files,
        "dropped_examples": dropped_examples,
        "data_mix": data_mix,  # recipe runs: per source path, kind, ratio, share, examples, tokens, trained_tokens
        "versions": {**environment.versions(), **{name: environment.package_version(name) for name in LIBRARIES}},
        "hardware": {"device": device, "platform": environment.platform_info(), "memory": environment.memory()},
        "resumed_from": resumed_from,
        "steps": steps,
        "events": summary.as_dict(),
        "outputs": {"dir": str(output_dir), "weights_sha256": weights_sha256(output_dir),
                    "files": {p.name: sha256_file(p) for p in sorted(output_dir.iterdir()) if p.is_file()}},
    }
    path = out / MANIFEST_NAME
    staging = path.with_name(path.name + ".tmp")
    staging.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    staging.replace(path)
    return path
