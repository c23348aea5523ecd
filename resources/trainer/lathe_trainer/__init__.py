"""Lathe's Python trainer: one process per job, JSON lines on stdout, logs on stderr.

Run as ``python -m lathe_trainer <command>`` with ``resources/trainer`` on PYTHONPATH (or as cwd).
"""

__version__ = "0.1.0"

from . import parent_watch as _parent_watch  # noqa: E402

_parent_watch.start_from_env()  # only when the engine passed LATHE_PARENT_PID: see parent_watch.py
