"""The trainer's fork server (lathe_trainer.zygote), driven through its protocol with a real server process.

A forked command must see what a new interpreter would (its own session, argv, cwd, environment, an empty stdin,
its own exit status) and must never run inside the server; what a fork cannot reproduce is refused, not run."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from conftest import ForkServer, trainer_env

PROBE = "lathe_trainer.testing.fork_probe"


@pytest.fixture(scope="module")
def server():
    started = ForkServer()
    assert started.ready.get("ready"), started.ready
    yield started
    started.close()


def request(rid: str, folder: Path, module: str = PROBE, args: list[str] | None = None, env: dict | None = None) -> dict:
    return {"id": rid, "module": module, "args": args or [], "env": env or trainer_env(), "cwd": str(folder),
            "stdout": str(folder / f"{rid}.out"), "stderr": str(folder / f"{rid}.err")}


def test_a_forked_command_sees_what_a_new_interpreter_would(server, tmp_path):
    env = trainer_env({"LATHE_PROBE_VALUE": "per command"})
    server.send(request("seen", tmp_path, args=["--exit", "3", "a b"], env=env))
    started = server.answer("seen", time.monotonic() + 30)
    assert "pid" in started, started
    ended = server.answer("seen", time.monotonic() + 30)
    assert ended == {"id": "seen", "pid": started["pid"], "exit": 3}

    seen = json.loads((tmp_path / "seen.out").read_text())
    assert seen["pid"] == started["pid"] == seen["pgid"] == seen["sid"], "its own session and process group"
    assert seen["ppid"] == server.ready["pid"]
    assert seen["name"] == "__main__" and seen["argv"] == ["--exit", "3", "a b"]
    assert seen["cwd"] == str(tmp_path)
    assert seen["env"]["LATHE_PROBE_VALUE"] == "per command"
    assert seen["stdin"] == "", "stdin is /dev/null, not the server's request pipe"
    assert seen["torch_imported"] is True, "forked from the server, which imported torch already"
    assert (tmp_path / "seen.err").read_text() == "fork probe: to stderr\n"


def test_commands_run_side_by_side_and_a_killed_one_reports_its_signal(server, tmp_path):
    server.send(request("long", tmp_path, args=["--sleep", "60"]))
    server.send(request("short", tmp_path))
    answers = [server.next(time.monotonic() + 30) for _ in range(3)]
    long_pid, short_pid = (next(a["pid"] for a in answers if a["id"] == rid and "exit" not in a) for rid in ("long", "short"))
    assert {"id": "short", "pid": short_pid, "exit": 0} in answers, "the short one ends while the long one runs"
    os.killpg(long_pid, signal.SIGKILL)  # what the engine's stop does: signal the command's group
    assert server.answer("long", time.monotonic() + 30) == {"id": "long", "pid": long_pid, "exit": -signal.SIGKILL}


def test_a_failing_module_ends_in_its_child_and_the_server_carries_on(server, tmp_path):
    server.send(request("missing", tmp_path, module="lathe_trainer.no_such_module"))
    pid = server.answer("missing", time.monotonic() + 30)["pid"]
    assert server.answer("missing", time.monotonic() + 30) == {"id": "missing", "pid": pid, "exit": 1}
    assert "No module named lathe_trainer.no_such_module" in (tmp_path / "missing.err").read_text()
    server.send(request("after", tmp_path))
    assert server.answer("after", time.monotonic() + 30)["pid"] != pid
    assert server.answer("after", time.monotonic() + 30)["exit"] == 0


@pytest.mark.parametrize(("module", "env_change", "why"), [
    ("json.tool", {}, "only the trainer's own modules"),
    (PROBE, {"HF_HOME": "/elsewhere"}, "HF_HOME differs"),
    (PROBE, {"OMP_NUM_THREADS": "7"}, "OMP_NUM_THREADS differs"),
])
def test_what_a_fork_cannot_reproduce_is_refused(server, tmp_path, module, env_change, why):
    server.send(request("no", tmp_path, module=module, env=trainer_env(env_change)))
    answer = server.answer("no", time.monotonic() + 30)
    assert "pid" not in answer and why in answer["refused"], answer
    assert not (tmp_path / "no.out").exists(), "nothing ran"


def test_a_second_thread_or_a_loaded_cuda_driver_makes_forking_unsafe(tmp_path, monkeypatch):
    import threading

    from lathe_trainer import zygote

    before = zygote.threads_of_this_process()
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert f"runs {before + 1} threads" in zygote.unsafe_to_fork()
    finally:
        release.set()
        worker.join()
    monkeypatch.setattr(zygote, "threads_of_this_process", lambda: 1)  # the server's state: one thread
    maps = tmp_path / "maps"
    maps.write_text("7f00-7f01 r-xp 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n")
    assert zygote.unsafe_to_fork(str(maps)) is None
    maps.write_text("7f00-7f01 r-xp 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libcuda.so.535.1\n")
    assert "CUDA driver" in zygote.unsafe_to_fork(str(maps))


def test_only_lathe_and_cuda_device_variables_may_differ():
    from lathe_trainer.zygote import env_difference

    assert env_difference({"A": "1", "LATHE_X": "1"}, {"A": "1", "LATHE_X": "2", "CUDA_VISIBLE_DEVICES": "1"}) is None
    assert env_difference({"A": "1"}, {}) == "A"
    assert env_difference({}, {"PYTHONPATH": "/x"}) == "PYTHONPATH"
