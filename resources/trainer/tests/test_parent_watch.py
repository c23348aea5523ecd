"""A trainer whose engine dies stops by itself, with a checkpoint (lathe_trainer/parent_watch.py).

The "engine" here is a stand-in process named by LATHE_PARENT_PID; killing it with SIGKILL is what a crashed or
killed engine looks like to the trainer."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from conftest import TRAINER_DIR, parse_protocol, trainer_env
from test_train_sft import write_config


def test_the_trainer_stops_with_a_checkpoint_when_its_engine_dies(tmp_path, tiny_hf):
    engine = subprocess.Popen(["sleep", "600"])
    config = write_config(tmp_path, tiny_hf, max_steps=2000, eval_every=0, checkpoint_every=0, heartbeat_seconds=0)
    trainer = subprocess.Popen([sys.executable, "-m", "lathe_trainer", "train", "--config", str(config)], cwd=TRAINER_DIR,
                               env=trainer_env({"LATHE_PARENT_PID": str(engine.pid)}), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        for raw in trainer.stdout:
            seen.append(raw)
            if json.loads(raw)["type"] == "metrics":
                break
        engine.kill()
        engine.wait()
        killed_at = time.monotonic()
        rest, stderr = trainer.communicate(timeout=60)
        stopped_after = time.monotonic() - killed_at
    finally:
        engine.kill()
        trainer.kill()
    lines = parse_protocol("".join(seen) + rest)
    assert trainer.returncode == 130, stderr[-2000:]
    assert stopped_after < 15, f"took {stopped_after:.1f} s"
    assert "is gone: stopping" in stderr
    assert [line["type"] for line in lines].count("checkpoint") == 1
    assert lines[-1]["type"] == "error" and lines[-1]["code"] == "cancelled"
    steps = [line["step"] for line in lines if line["type"] == "metrics"]
    assert steps and max(steps) < 2000, "it stopped long before the end"


def test_no_watch_without_the_variable():
    from lathe_trainer import parent_watch

    assert parent_watch.parent_alive(1, direct_child=False)  # init exists (a permission error counts as alive)
    env = trainer_env()
    env.pop("LATHE_PARENT_PID", None)
    out = subprocess.run([sys.executable, "-c", "import lathe_trainer, threading; "
                          "print(any(t.name == 'lathe-parent-watch' for t in threading.enumerate()))"],
                         cwd=TRAINER_DIR, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
