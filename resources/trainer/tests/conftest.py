"""Shared helpers: run the trainer's command line in its own process and parse its JSON lines.

Every run goes through `run_trainer`, which fails the test if any stdout line is not JSON or breaks the protocol as
`lathe_trainer/protocol.schema.json` defines it (generated from the engine's definition), so "stdout is protocol lines
only" and "the engine can read every line" are checked for every command the suite runs.

`run_trainer` forks each command from the trainer's fork server (`lathe_trainer.zygote`, started once for the session),
where torch, transformers and peft are already imported: those imports cost 7-13 s of CPU per process, most of this
suite's time on CI's 2 cores. The child is a real process with its own stdout/stderr, environment, working folder,
process group and exit status, running `python -m lathe_trainer` as a new interpreter would. A command gets a new
interpreter when its test asks (`fresh=True`: start-up time, import-time behaviour), when the server refuses it (an
environment variable other than LATHE_* differs: libraries read those at import), or with LATHE_TEST_FRESH_TRAINER=1.
Tests of signals, torchrun and parent death start their own subprocesses.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

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


# The protocol's one definition, generated from the engine's zod schema (src/shared/training/trainer-events.ts).
PROTOCOL = Draft202012Validator(json.loads((TRAINER_DIR / "lathe_trainer" / "protocol.schema.json").read_text()))


def protocol_breach(record: object) -> str | None:
    """Why a parsed line breaks the protocol the engine reads, or None when it keeps to it."""
    if isinstance(record, dict) and isinstance(record.get("type"), str):
        # oneOf reports every alternative; the one with this line's type says what is wrong with it.
        same_type = [s for s in PROTOCOL.schema["oneOf"] if s["properties"]["type"].get("const") == record["type"]]
        if not same_type:
            return f'unknown line type "{record["type"]}"'
        error = best_match(Draft202012Validator(same_type[0]).iter_errors(record))
    else:
        error = best_match(PROTOCOL.iter_errors(record))
    return None if error is None else f"{error.message} at {'/'.join(map(str, error.absolute_path)) or 'the top'}"


def parse_protocol(stdout: str) -> list[dict]:
    """The lines of a command's stdout; fails the test on a line that is not JSON or breaks the protocol."""
    lines = []
    for raw in stdout.splitlines():
        record = json.loads(raw)  # raises - and fails the test - on anything that is not JSON
        breach = protocol_breach(record)
        assert breach is None, f"the engine would refuse this line ({breach}): {raw[:300]}"
        lines.append(record)
    return lines


# Tokenised data of the test runs goes to a folder of this session, not the user's cache.
TOKEN_CACHE = os.environ.setdefault("LATHE_TOKEN_CACHE_DIR", tempfile.mkdtemp(prefix="lathe-test-token-cache-"))


# The environment this session started with. Importing peft here sets TORCHINDUCTOR_CACHE_DIR in os.environ, and a
# test may set HF_HUB_OFFLINE for its own in-process load: passed on, either made the fork server refuse every later
# command (a variable it did not start with). Commands get the start's variables plus LATHE_* ones tests set.
_SESSION_ENV = dict(os.environ)


def trainer_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k in _SESSION_ENV or k.startswith("LATHE_")}
    env.pop("PYTEST_CURRENT_TEST", None)  # pytest's, changes with every test; the trainer does not read it
    env["PYTHONPATH"] = str(TRAINER_DIR)
    env.update(extra or {})
    return env


def run_trainer(*args: str, timeout: float = 240, env: dict | None = None, fresh: bool = False) -> TrainerRun:
    started = time.monotonic()
    forked = None if fresh else ForkServer.shared().run(list(args), trainer_env(env), timeout)
    if forked is None:
        result = subprocess.run([sys.executable, "-m", "lathe_trainer", *args], cwd=TRAINER_DIR, env=trainer_env(env),
                                capture_output=True, text=True, timeout=timeout)
        forked = (result.returncode, result.stdout, result.stderr)
    returncode, stdout, stderr = forked
    return TrainerRun(returncode, parse_protocol(stdout), stderr, time.monotonic() - started)


class ForkServer:
    """A `lathe_trainer.zygote` client. `shared()` is the session's (started on first use); `run` answers None when
    a command is not forked, so the caller starts a new interpreter."""

    _shared: ForkServer | None = None

    @classmethod
    def shared(cls) -> ForkServer:
        if cls._shared is None:
            cls._shared = cls(enabled=os.environ.get("LATHE_TEST_FRESH_TRAINER") != "1")
        return cls._shared

    def __init__(self, enabled: bool = True) -> None:
        self.process: subprocess.Popen | None = None
        self.ready: dict = {}
        self.count = 0
        self.refused: list[str] = []
        self.pending = b""
        if not enabled:
            return
        self.process = subprocess.Popen([sys.executable, "-m", "lathe_trainer.zygote"], cwd=TRAINER_DIR,
                                        env=trainer_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.ready = self.next(time.monotonic() + 600) or {"ready": False, "why": "it did not answer"}
        if not self.ready.get("ready"):
            print(f"[conftest] trainer commands start a new interpreter: {self.ready.get('why')}", file=sys.stderr)
            self.process = None
            return
        atexit.register(self.close)

    def run(self, args: list[str], env: dict, timeout: float) -> tuple[int, str, str] | None:
        if self.process is None:
            return None
        self.count += 1
        rid = f"t{self.count}"
        with tempfile.TemporaryDirectory(prefix="lathe-test-fork-") as folder:
            out, err = Path(folder) / "stdout", Path(folder) / "stderr"
            self.send({"id": rid, "module": "lathe_trainer", "args": args, "env": env, "cwd": str(TRAINER_DIR),
                        "stdout": str(out), "stderr": str(err)})
            started = self.answer(rid, time.monotonic() + 60)
            if "refused" in started:
                self.refused.append(started["refused"])
                return None
            answer = self.answer(rid, time.monotonic() + timeout)
            if "exit" not in answer:  # the deadline passed: kill its group, collect its exit, fail as subprocess would
                os.killpg(started["pid"], signal.SIGKILL)
                self.answer(rid, time.monotonic() + 60)
                raise subprocess.TimeoutExpired(["lathe_trainer", *args], timeout)
            return answer["exit"], out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8", errors="replace")

    def send(self, request: dict) -> None:
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()

    def answer(self, rid: str, deadline: float) -> dict:
        """The next answer about `rid` (others are dropped), or {} when the deadline passes first."""
        while True:
            answer = self.next(deadline)
            if not answer or answer.get("id") == rid:
                return answer

    def next(self, deadline: float) -> dict:
        """The next answer line, or {} at the deadline (read from the fd itself: no buffer hides a line from select)."""
        fd = self.process.stdout.fileno()
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return {}
            chunk = os.read(fd, 65536)
            assert chunk, "the trainer's fork server exited"
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        if self.process is not None:
            first = f" (first: {self.refused[0]})" if self.refused else ""
            print(f"[conftest] trainer fork server: {self.count - len(self.refused)} commands forked, "
                  f"{len(self.refused)} refused{first}", file=sys.stderr)
            self.process.stdin.close()
            self.process.wait(timeout=60)
            self.process = None


def assert_error(run: TrainerRun, code: str) -> dict:
    assert run.returncode != 0, run.stderr
    error = run.last
    assert error["type"] == "error", run.lines
    assert error["code"] == code, error
    assert error["message"] and error["hint"], error
    assert error["hint"].endswith("."), "a hint is a sentence that says what to do"
    return error


def build_tiny(out: Path, *extra: str, seed: int = 0, steps: int = 3, fresh: bool = False) -> TrainerRun:
    run = run_trainer("make-tiny-model", "--out", str(out), "--seed", str(seed), "--steps", str(steps), *extra,
                      fresh=fresh)
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
