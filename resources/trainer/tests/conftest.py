"""Shared helpers: run the trainer as the engine does (a subprocess) and parse its JSON lines.

Every run goes through `run_trainer`, which fails the test if any stdout line is not a protocol object,
so "stdout is JSON lines only" is checked for every command the suite runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

TRAINER_DIR = Path(__file__).resolve().parents[1]
SAMPLE_CORPUS = TRAINER_DIR.parent / "samples" / "corpus"


@dataclass
class TrainerRun:
    returncode: int
    lines: list[dict]
    stderr: str
    seconds: float

    def of_type(self, type_: str) -> list[dict]:
        return [line for line in self.lines if line["type"] == type_]

    @property
    def last(self) -> dict:
        return self.lines[-1]


def parse_protocol(stdout: str) -> list[dict]:
    lines = []
    for raw in stdout.splitlines():
        record = json.loads(raw)  # raises - and fails the test - on anything that is not JSON
        assert isinstance(record, dict), raw
        assert record.get("v") == 1, raw
        assert isinstance(record.get("type"), str), raw
        lines.append(record)
    return lines


# Tokenised data of the test runs goes to a folder of this session, not the user's cache.
TOKEN_CACHE = os.environ.setdefault("LATHE_TOKEN_CACHE_DIR", tempfile.mkdtemp(prefix="lathe-test-token-cache-"))


def trainer_env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(TRAINER_DIR)
    env.update(extra or {})
    return env


def run_trainer(*args: str, timeout: float = 240, env: dict | None = None) -> TrainerRun:
    import time

    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "lathe_trainer", *args], cwd=TRAINER_DIR, env=trainer_env(env),
                            capture_output=True, text=True, timeout=timeout)
    return TrainerRun(result.returncode, parse_protocol(result.stdout), result.stderr, time.monotonic() - started)


def assert_error(run: TrainerRun, code: str) -> dict:
    assert run.returncode != 0, run.stderr
    error = run.last
    assert error["type"] == "error", run.lines
    assert error["code"] == code, error
    assert error["message"] and error["hint"], error
    assert error["hint"].endswith("."), "a hint is a sentence that says what to do"
    return error


def build_tiny(out: Path, *extra: str, seed: int = 0, steps: int = 3) -> TrainerRun:
    run = run_trainer("make-tiny-model", "--out", str(out), "--seed", str(seed), "--steps", str(steps), *extra)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.last["type"] == "done", run.lines
    return run


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """A copy of the shipped corpus, so tests can also build from an explicit --corpus."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in SAMPLE_CORPUS.glob("*.txt"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@pytest.fixture(scope="session")
def tiny_hf(tmp_path_factory) -> Path:
    """The tiny model's HF folder: the shared cache when node-llama-cpp's bundle is here (instant once built),
    else a quick --no-gguf build (a GPU box without npm packages)."""
    from lathe_trainer.tiny_model.gguf_convert import BUNDLE_ENV, default_bundle_path

    if default_bundle_path().is_file() or os.environ.get(BUNDLE_ENV):
        out = Path.home() / ".cache" / "lathe" / "tiny-model" / "seed-0"
        run = run_trainer("make-tiny-model", "--out", str(out), timeout=900)
        assert run.returncode == 0, run.stderr[-3000:]
    else:
        out = tmp_path_factory.mktemp("tiny-train") / "tiny"
        build_tiny(out, "--no-gguf", steps=60)
    return out / "hf"
