"""Every Python process Lathe starts ends when the engine that started it dies.

The engine passes its pid as LATHE_PARENT_PID. A daemon thread checks once a second whether that process is still
there (and, for a direct child, whether we were re-parented); when it is gone - a crash, a kill -9, a closed
laptop lid that killed the app - this process sends itself SIGTERM, which every command already handles: `train`
finishes the current micro-batch, saves a checkpoint and exits 130 (torchrun workers each see it too), one-shot
commands clean up their partial output, a converter just stops. So no trainer keeps a GPU busy for an engine
that no longer exists, and the next engine marks the run interrupted and resumable.
"""

from __future__ import annotations

import os
import signal
import threading

PARENT_ENV = "LATHE_PARENT_PID"
POLL_SECONDS = 1.0


def parent_alive(pid: int, direct_child: bool) -> bool:
    if direct_child and os.getppid() != pid:
        return False  # re-parented to init/a subreaper: the engine is gone even if its pid was reused
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def start_from_env() -> threading.Thread | None:
    """Starts the watch when LATHE_PARENT_PID names a process (idempotent per process); None when not set."""
    raw = os.environ.get(PARENT_ENV, "")
    if not raw.isdigit() or getattr(start_from_env, "_started", False):
        return None
    pid = int(raw)
    direct_child = os.getppid() == pid

    def watch() -> None:
        stop = threading.Event()
        while not stop.wait(POLL_SECONDS):
            if not parent_alive(pid, direct_child):
                os.write(2, f"[lathe-trainer] the Lathe process {pid} that started this one is gone: stopping\n".encode())
                os.kill(os.getpid(), signal.SIGTERM)
                return

    thread = threading.Thread(target=watch, name="lathe-parent-watch", daemon=True)
    thread.start()
    start_from_env._started = True  # type: ignore[attr-defined]
    return thread
