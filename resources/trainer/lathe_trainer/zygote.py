"""A fork server for the trainer's commands: torch, transformers and peft are imported once, each command forks.

Importing the trainer's libraries costs 7-13 s of CPU per process on a laptop core; a command that forks from a
process that already imported them starts in a fraction of a second. `python -m lathe_trainer.zygote` imports them,
runs nothing (no thread pool, no tokenizer, no CUDA), and serves requests as JSON lines on stdin:

    {"id": "r1", "module": "lathe_trainer", "args": ["train", "--config", "run.json"], "env": {...}, "cwd": "...",
     "stdout": "/path/out", "stderr": "/path/err"}

For each it forks a child that leads its own session and process group (so a stop reaches whatever it starts), points fd 1 and
fd 2 at the two files, takes the request's environment, working folder and argv, and runs the module as
`python -m MODULE` would; stdin is /dev/null. Answers, one JSON line each on stdout:

    {"ready": true, "pid": P}            once, after the imports ({"ready": false, "why": ...} and exit when unsafe)
    {"id": "r1", "pid": C}               the child started
    {"id": "r1", "refused": "..."}       not forked: start the command as a new interpreter instead
    {"id": "r1", "pid": C, "exit": N}    the child ended (N < 0: killed by signal -N)

It refuses what a fork cannot reproduce: a module outside lathe_trainer, an environment that differs from its own
in a variable libraries read at import time (only LATHE_* and CUDA_VISIBLE_DEVICES may differ), and any fork once
this process has a second thread. It does not serve at all when the CUDA driver got loaded during the imports (a
forked child cannot use a CUDA context its parent initialised). The server ends when stdin closes; its children do
not (each command watches LATHE_PARENT_PID itself).
"""

from __future__ import annotations

import json
import os
import select
import sys

MAY_DIFFER_PREFIXES = ("LATHE_",)
MAY_DIFFER = {"CUDA_VISIBLE_DEVICES"}


def preload() -> None:
    """What the trainer's commands import, in the order `python -m lathe_trainer` would (offline settings first)."""
    import lathe_trainer.__main__  # noqa: F401 - HF_HUB_OFFLINE & co., before huggingface_hub reads them
    import lathe_trainer.export.merge  # noqa: F401
    import lathe_trainer.perplexity  # noqa: F401
    import lathe_trainer.tiny_model.build  # noqa: F401
    import lathe_trainer.train.loop  # noqa: F401
    import peft  # noqa: F401
    from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: F401


def unsafe_to_fork(maps: str = "/proc/self/maps") -> str | None:
    """Why forking from this process would give a child a broken runtime, or None."""
    threads = threads_of_this_process()
    if threads > 1:
        return f"this process runs {threads} threads, and a fork copies only one"
    try:
        with open(maps, encoding="utf-8", errors="replace") as mapped:
            if any("libcuda.so" in line for line in mapped):
                return "the CUDA driver was loaded while importing the trainer's libraries"
    except OSError:
        pass
    return None


def threads_of_this_process() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def env_difference(own: dict, wanted: dict) -> str | None:
    """The first variable (other than LATHE_*, CUDA_VISIBLE_DEVICES) whose value differs, or None."""
    for key in sorted(set(own) | set(wanted)):
        if key in MAY_DIFFER or key.startswith(MAY_DIFFER_PREFIXES):
            continue
        if own.get(key) != wanted.get(key):
            return key
    return None


def refusal(request: dict, own_env: dict) -> str | None:
    module = request.get("module")
    if not isinstance(module, str) or not (module == "lathe_trainer" or module.startswith("lathe_trainer.")):
        return f"only the trainer's own modules are forked, not {module!r}"
    differs = env_difference(own_env, request.get("env") or {})
    if differs:
        return f"the environment variable {differs} differs from the server's, and libraries read it at import"
    return unsafe_to_fork()


def run_child(request: dict, closing: list[int]) -> None:
    """In the forked child: become the command, then exit with its status. Never returns."""
    code = 1
    try:
        os.setsid()  # its own session and process group, as the engine's detached spawn gives a run
        for fd in closing:
            os.close(fd)
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_APPEND),
                                (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)):
            target = os.open(path, flags, 0o600)
            if target != fd:
                os.dup2(target, fd)
                os.close(target)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        os.chdir(request.get("cwd") or os.getcwd())
        os.environ.clear()
        os.environ.update(request.get("env") or {})
        import runpy

        sys.argv = [request["module"], *request.get("args", [])]
        sys.modules.pop(request["module"] + ".__main__", None)  # preloaded; `python -m` runs it afresh as __main__
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - whatever happens, the child must end here, never back in the server
        import traceback

        traceback.print_exc()
    finally:
        code = finish_like_an_interpreter(code)
        os._exit(code)


def finish_like_an_interpreter(code: int) -> int:
    """What a normal interpreter exit does before it ends: join threads, run atexit, flush the streams."""
    import atexit
    import threading

    try:
        threading._shutdown()  # type: ignore[attr-defined] - the interpreter's own join of non-daemon threads
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        code = code or 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    return code if 0 <= code <= 255 else 1


def serve(requests, answer_fd: int, own_env: dict) -> None:
    """own_env: the environment this server started with, before the imports changed any of it."""
    answers = os.fdopen(answer_fd, "w", buffering=1, encoding="utf-8")

    def answer(record: dict) -> None:
        answers.write(json.dumps(record) + "\n")

    why = unsafe_to_fork()
    if why:
        answer({"ready": False, "why": why})
        return
    answer({"ready": True, "pid": os.getpid()})
    children: dict[int, str] = {}
    open_input = True
    pending = ""
    while open_input or children:
        if open_input:
            readable, _, _ = select.select([requests], [], [], 0.1)
            if readable:
                chunk = os.read(requests, 65536).decode("utf-8")
                if not chunk:
                    open_input = False
                pending += chunk
                *lines, pending = pending.split("\n")
                for line in lines:
                    if line.strip():
                        start(json.loads(line), own_env, children, answer, [answer_fd])
        else:
            select.select([], [], [], 0.1)
        reap(children, answer)
        if not open_input:
            return  # the client is gone: it can no longer read exits; the children carry on on their own


def start(request: dict, own_env: dict, children: dict[int, str], answer, closing: list[int]) -> None:
    rid = request.get("id")
    why = refusal(request, own_env)
    if why:
        answer({"id": rid, "refused": why})
        return
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        run_child(request, closing)
    children[pid] = rid
    answer({"id": rid, "pid": pid})


def reap(children: dict[int, str], answer) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        rid = children.pop(pid, None)
        if rid is not None:
            answer({"id": rid, "pid": pid, "exit": os.waitstatus_to_exitcode(status)})


def main() -> None:
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # whatever a library prints goes to stderr: the answer stream carries answers only
    started_with = dict(os.environ)
    preload()
    serve(0, answer_fd, started_with)


if __name__ == "__main__":
    main()
