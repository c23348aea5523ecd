"""A checkpoint write on a full disk (a real one: a tmpfs in a private mount namespace, no privileges needed):
the run stops with `disk_full` naming the folder, leaves nothing half-written, and the earlier checkpoint resumes
once space is free."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import TRAINER_DIR, parse_protocol, trainer_env
from test_train_sft import write_config


def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d"'], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs unprivileged mount namespaces (unshare --user --mount)")
def test_a_checkpoint_on_a_full_disk_stops_cleanly_and_the_previous_one_resumes(tmp_path, tiny_hf):
    out = tmp_path / "out"
    config = write_config(tmp_path, tiny_hf, output_dir=str(out), max_steps=3, eval_every=0, checkpoint_every=1,
                          debug_stop_after_step=1, heartbeat_seconds=0)
    python = f"{sys.executable} -m lathe_trainer train --config {config}"
    script = f"""
        set -u
        mkdir -p {out} && mount -t tmpfs -o size=16m tmpfs {out}
        {python} > first.jsonl 2>/dev/null; echo "first=$?" >&2
        dd if=/dev/zero of={out}/filler bs=4k 2>/dev/null
        {python} --resume {out}/checkpoints/step-000001 > second.jsonl 2>/dev/null; echo "second=$?" >&2
        echo "leftovers=$(ls -a {out}/checkpoints | grep -c '^\\.tmp')" >&2
        rm {out}/filler
        {python} --resume {out}/checkpoints/step-000001 > third.jsonl 2>/dev/null; echo "third=$?" >&2
    """
    run = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", script], cwd=tmp_path,
                         env=trainer_env({"PYTHONPATH": str(TRAINER_DIR)}), capture_output=True, text=True, timeout=600)
    status = dict(line.split("=") for line in run.stderr.splitlines() if "=" in line and line.split("=")[0].isalpha())
    assert status.get("first") == "0", run.stderr[-3000:]
    second = parse_protocol((tmp_path / "second.jsonl").read_text())
    assert status["second"] != "0"
    error = second[-1]
    assert error["type"] == "error" and error["code"] == "disk_full", second[-3:]
    assert str(out / "checkpoints") in error["message"] and "step 2 was not written" in error["message"]
    assert "resume" in error["hint"]
    assert status["leftovers"] == "0", "no half-written checkpoint folder"
    third = parse_protocol((tmp_path / "third.jsonl").read_text())
    assert status["third"] == "0" and third[-1]["type"] == "done", third[-3:]
    assert [m["step"] for m in third if m["type"] == "metrics"] == [2, 3]
    assert json.loads(json.dumps(third[-1]["payload"]))["steps"] == 3
