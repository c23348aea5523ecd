"""Lathe's Python trainer: one process per job, JSON lines on stdout, logs on stderr.

Run as ``python -m lathe_trainer <command>`` with ``resources/trainer`` on PYTHONPATH (or as cwd).
"""

__version__ = "0.1.0"
