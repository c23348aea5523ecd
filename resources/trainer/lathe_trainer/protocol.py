"""The trainer's wire protocol: one JSON object per line on stdout, nothing else.

Every line carries ``"v": PROTOCOL_VERSION`` and ``"type"``. The lines are defined once, in the engine
(src/shared/training/trainer-events.ts), as JSON Schema in ``protocol.schema.json`` beside this file: the engine
ignores a line that breaks it, and the test suite checks every line its commands print against it. Logs, warnings
and anything a library prints go to stderr instead.

Types emitted today (``train`` adds ``metrics``, ``eval``, ``checkpoint``, ``event`` and ``heartbeat``
through ``emit``; see README):
  hello     {command, pid, versions{lathe_trainer, python, torch, transformers}, device{kind, name}, memory{...}}
  progress  {stage, fraction: 0..1 | null, message}
  event     {kind, message, ...}   something that happened to the run, e.g. kind "oom_fallback" {step,
            micro_batch, grad_accum}, "data_mix" {sources}, "distributed" {world_size, backend}
  heartbeat {step, phase, idle_s}  from a background thread every `heartbeat_seconds` (default 10) while
            `train` runs, so the engine can tell a hung trainer (no line for a while) from a slow one; `step`
            is the last completed step, `idle_s` the seconds since the main thread last made progress
  done      {payload: {...}}
  error     {code, message, hint}
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from typing import Any, TextIO

PROTOCOL_VERSION = 1

# Exit statuses the engine can rely on, besides 0 for success.
EXIT_ERROR = 1
EXIT_BAD_ARGUMENTS = 2
EXIT_CANCELLED = 130


class LatheError(Exception):
    """An expected failure that reaches the user as {code, message, hint}.

    ``hint`` is a sentence that says what to do about it.
    """

    def __init__(self, code: str, message: str, hint: str, exit_code: int = EXIT_ERROR):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


class Cancelled(BaseException):
    """Raised in the main thread on SIGTERM/SIGINT so `finally` blocks clean up temporary output.

    A BaseException so that broad `except Exception` in libraries cannot swallow it.
    """


def _json_safe(value: Any) -> Any:
    # A diverging loss is NaN/inf; JSON has no such numbers, and the engine must still parse the line.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


class ProtocolWriter:
    """Writes protocol lines to a private copy of the original stdout.

    ``claim_stdout`` points file descriptor 1 at stderr, so C extensions, subprocesses and stray
    ``print`` calls cannot corrupt the JSON stream; only this writer still reaches the real stdout.
    """

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._lock = threading.Lock()  # later commands emit metrics from more than one thread
        self._ended = False  # `done` or `error` was written: the engine reads nothing after the last line

    @classmethod
    def claim_stdout(cls) -> "ProtocolWriter":
        sys.stdout.flush()
        private_fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        stream = os.fdopen(private_fd, "w", encoding="utf-8", buffering=1, newline="\n")
        return cls(stream)

    def emit(self, type_: str, **fields: Any) -> None:
        record = {"v": PROTOCOL_VERSION, "type": type_}
        record.update(_json_safe(fields))
        self._write(record)

    def _write(self, record: dict) -> None:
        """`done` and `error` end the stream: a line after them (the heartbeat thread's, racing the main thread's
        `done`) goes to the log instead, so the final line is always the outcome."""
        line = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        with self._lock:
            if self._ended:
                log(f"after the final line, not sent: {line[:200]}")
                return
            self._ended = record.get("type") in ("done", "error")
            self._stream.write(line + "\n")
            self._stream.flush()

    def mute(self) -> None:
        """From now on write nothing (torchrun ranks other than 0: rank 0 speaks for the run)."""
        with self._lock:
            self._stream = open(os.devnull, "w", encoding="utf-8")

    def relay(self, record: dict) -> None:
        """Passes on a line another trainer process already wrote (torchrun's rank 0)."""
        self._write(record)

    def hello(self, command: str, versions: dict, device: dict, memory: dict) -> None:
        self.emit("hello", command=command, pid=os.getpid(), versions=versions, device=device, memory=memory)

    def progress(self, stage: str, fraction: float | None, message: str) -> None:
        if fraction is not None:
            fraction = round(min(1.0, max(0.0, float(fraction))), 4)
        self.emit("progress", stage=stage, fraction=fraction, message=message)

    def done(self, payload: dict) -> None:
        self.emit("done", payload=payload)

    def error(self, code: str, message: str, hint: str) -> None:
        self.emit("error", code=code, message=message, hint=hint)


def log(message: str) -> None:
    """Human-readable log line; stderr only, never part of the protocol."""
    print(f"[lathe-trainer] {message}", file=sys.stderr, flush=True)
