"""A background thread that prints `heartbeat` lines, so the engine can tell a slow trainer from a hung one.

A step of a large model, loading its weights or writing a checkpoint can each take minutes without any other
line; the heartbeat keeps coming through all of them. It also says what the main thread last reported:
`step` (the last completed step), `phase` (setup | train | eval | checkpoint | output) and `idle_s`, the
seconds since the main thread last reported progress (a micro-batch, a phase change). A heartbeat with a
growing `idle_s` means the process is alive but its work is stuck (a deadlocked collective, a wedged
driver); no heartbeat at all means the process is gone or frozen as a whole.
"""

from __future__ import annotations

import threading
import time

from .protocol import ProtocolWriter


class Heartbeat:
    def __init__(self, writer: ProtocolWriter, every_s: float):
        self._writer, self._every = writer, every_s
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._step, self._phase, self._last_pulse = 0, "setup", time.monotonic()
        self._thread: threading.Thread | None = None

    def pulse(self, step: int | None = None, phase: str | None = None) -> None:
        """Called by the main thread whenever it makes progress."""
        with self._lock:
            if step is not None:
                self._step = step
            if phase is not None:
                self._phase = phase
            self._last_pulse = time.monotonic()

    def __enter__(self) -> "Heartbeat":
        if self._every > 0:
            self._thread = threading.Thread(target=self._run, name="lathe-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        # A heartbeat racing the main thread's `done` is held back by the writer: the outcome is always the last line.
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            with self._lock:
                step, phase, idle = self._step, self._phase, time.monotonic() - self._last_pulse
            self._writer.emit("heartbeat", step=step, phase=phase, idle_s=round(idle, 1))
