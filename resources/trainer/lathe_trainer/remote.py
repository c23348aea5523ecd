"""The trainer on another machine (a GPU server reached over SSH): a run that outlives the connection.

The engine cannot keep a trainer as its child across a network: a dropped connection would kill it. So on the
remote side a run is a folder, and these subcommands (`python -m lathe_trainer.remote <command> --dir RUN`) work on it:

- ``reset``: forgets the last trainer's lines and exit status (before a resume in the same folder).
- ``supervise [--srun] -- train --config …``: runs the trainer in the foreground as ``launch`` describes (a Slurm
  batch job execs this); a TERM it receives goes on to the trainer's process group. ``--srun``: once per node under
  srun, with torchrun's c10d rendezvous endpoint on this node (LATHE_RDZV_ENDPOINT, LATHE_RDZV_ID).
- ``launch -- train --config …``: starts ``python -m lathe_trainer train …`` detached (its own session, so a
  dropped SSH connection does not reach it), stdout to ``.lathe/events.jsonl`` (the protocol lines), stderr to
  ``.lathe/stderr.log``; when it ends, its exit status goes to ``.lathe/exit.json`` (written atomically). Prints
  ``{"pid": …}`` and returns at once.
- ``follow --offset N``: copies ``events.jsonl`` from byte N to stdout, line by line, as they are written; stderr
  gets ``stderr.log``'s new lines (from ``--stderr-offset``), each prefixed ``LATHE_LOG ``. When the trainer has ended and every line is out, the last stderr line is
  ``LATHE_REMOTE_EXIT {"code": …, "signal": …}`` and it exits 0. A connection that drops kills only the follower;
  the engine starts another one at the offset it had reached (reattach), so no line is lost or repeated.
- ``signal --signal TERM|KILL``: signals the trainer's process group (TERM: checkpoint, then exit).
- ``manifest [--exclude PREFIX …] [--cache FILE]``: {"files": {relative path: sha256}, "hashed": n} of every file under
  the folder, so the engine verifies what it staged there and what it copies back; with ``--cache`` (a staged base
  model) files unchanged since the last staging (size, mtime, inode) keep their recorded hash.

Only the standard library: this runs before (and without) torch being imported.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .hashing import sha256_file

STATE = ".lathe"
# The folder holding this package: the supervisor and the trainer import it from there, wherever they run.
TRAINER_ROOT = str(Path(__file__).resolve().parent.parent)
EXIT_MARKER = "LATHE_REMOTE_EXIT"
# Each trainer log line the follower copies to its stderr starts with this, so ssh's own messages are told apart.
LOG_PREFIX = b"LATHE_LOG "


def _state(run_dir: Path) -> Path:
    return run_dir / STATE


def reset(run_dir: Path) -> dict:
    """Forgets the last trainer's lines and exit status (before a resume starts another one in the same folder)."""
    state = _state(run_dir)
    state.mkdir(parents=True, exist_ok=True)
    for name in ("exit.json", "events.jsonl", "stderr.log", "pid"):
        (state / name).unlink(missing_ok=True)
    return {"reset": str(state)}


def launch(run_dir: Path, trainer_args: list[str]) -> dict:
    state = _state(run_dir)
    reset(run_dir)
    # A supervisor in its own session runs the trainer and records how it ended; `launch` itself returns at once.
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "lathe_trainer.remote", "supervise", "--dir", str(run_dir), "--", *trainer_args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(state / "supervisor.log", "ab"),
        start_new_session=True, cwd=str(run_dir), env={**os.environ, "PYTHONPATH": TRAINER_ROOT},
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        pid_file = state / "pid"
        if pid_file.exists() and pid_file.read_text().strip():
            return {"pid": int(pid_file.read_text()), "supervisor": supervisor.pid}
        if supervisor.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit(f"the trainer did not start; see {state / 'supervisor.log'}")


def supervise(run_dir: Path, trainer_args: list[str], srun: bool = False) -> None:
    state = _state(run_dir)
    env = {k: v for k, v in os.environ.items() if k != "LATHE_PARENT_PID"}  # it must outlive the connection
    env.update(PYTHONPATH=TRAINER_ROOT, PYTHONUNBUFFERED="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    command = [sys.executable, "-m", "lathe_trainer", *trainer_args]
    if srun:
        # A Slurm job with several processes: srun starts the trainer once per node, and each node's torchrun meets
        # the others at a c10d rendezvous on this (the job's first) node, on a port free here now.
        env.update(LATHE_RDZV_ENDPOINT=f"{_rendezvous_host()}:{_free_port()}",
                   LATHE_RDZV_ID=os.environ.get("SLURM_JOB_ID", "lathe"))
        command = ["srun", "--ntasks-per-node=1", "--kill-on-bad-exit=1", *command]
    # The trainer leads its own process group, so a stop reaches every process it starts (torchrun workers…). A TERM
    # sent to the supervisor (Slurm's scancel --batch, or its --signal before the time limit) is passed on to that
    # group, so the trainer checkpoints and the supervisor lives to record how it ended; a hang-up is ignored.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    with open(state / "events.jsonl", "ab") as out, open(state / "stderr.log", "ab") as err:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err, env=env, cwd=str(run_dir), process_group=0,
                                 preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL))
        if srun:
            # srun would end its step on a TERM (then KILL after Slurm's KillWait): the step's processes get the TERM
            # from Slurm itself instead, so each trainer process checkpoints and srun ends when they do.
            job = os.environ.get("SLURM_JOB_ID", "")
            signal.signal(signal.SIGTERM, lambda *_: subprocess.run(["scancel", "--signal=TERM", job], check=False))
        else:
            signal.signal(signal.SIGTERM, lambda *_: _signal_group(child.pid, signal.SIGTERM))
        _write_atomic(state / "pid", str(child.pid))
        code = child.wait()
    status = {"code": code if code >= 0 else None, "signal": signal.Signals(-code).name if code < 0 else None}
    _write_atomic(state / "exit.json", json.dumps(status))


def follow(run_dir: Path, offset: int, stderr_offset: int) -> None:
    state = _state(run_dir)
    events, log = state / "events.jsonl", state / "stderr.log"
    out, err = sys.stdout.buffer, sys.stderr.buffer
    while True:
        ended = (state / "exit.json").exists()  # read before the last copy, so nothing written before the end is missed
        offset = _copy_lines(events, offset, out)
        stderr_offset = _copy_lines(log, stderr_offset, err, LOG_PREFIX)
        if ended:
            status = json.loads((state / "exit.json").read_text())
            err.write(f"{EXIT_MARKER} {json.dumps(status)}\n".encode())
            err.flush()
            return
        time.sleep(0.2)


def _copy_lines(path: Path, offset: int, sink, prefix: bytes = b"") -> int:
    """Copies the whole lines after byte `offset` (a half-written last line waits); returns the new offset."""
    if not path.exists():
        return offset
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    end = data.rfind(b"\n")
    if end < 0:
        return offset
    chunk = data[: end + 1]
    sink.write(prefix + chunk.replace(b"\n", b"\n" + prefix)[: -len(prefix)] if prefix else chunk)
    sink.flush()
    return offset + end + 1


def _rendezvous_host() -> str:
    """This node's name as the other nodes reach it (Slurm's node name, else the host name); on a one-node job whose
    name does not resolve here, loopback."""
    for name in (os.environ.get("SLURMD_NODENAME"), socket.gethostname()):
        if not name:
            continue
        try:
            socket.gethostbyname(name)
            return name
        except OSError:
            continue
    if os.environ.get("SLURM_JOB_NUM_NODES", "1") == "1":
        return "127.0.0.1"
    raise SystemExit("this node's name does not resolve, so the other nodes cannot reach the rendezvous")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def send_signal(run_dir: Path, name: str) -> dict:
    pid_file = _state(run_dir) / "pid"
    if not pid_file.exists():
        return {"signalled": False, "reason": "no trainer was started in this folder"}
    pid = int(pid_file.read_text())
    if (_state(run_dir) / "exit.json").exists():
        return {"signalled": False, "reason": "the trainer has already ended"}
    try:
        os.killpg(pid, getattr(signal, f"SIG{name}"))
    except ProcessLookupError:
        return {"signalled": False, "reason": "the trainer's process group is gone"}
    return {"signalled": True, "pid": pid}


def manifest(root: Path, exclude: list[str], cache: Path | None = None) -> dict:
    """sha256 of every file under root. With ``cache`` (a staged base model, outside its folder), a file whose size,
    mtime and inode are those recorded there keeps its recorded hash: rsync's own quick check trusts the same facts,
    and rsync replaces a changed file by a new one (a new inode), so a copied change is always hashed again."""
    known = _read_hash_cache(cache)
    files: dict[str, str] = {}
    seen: dict[str, list] = {}
    hashed = 0
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and not any(rel == e or rel.startswith(e.rstrip("/") + "/") for e in exclude):
            st = path.stat()
            key = [st.st_size, st.st_mtime_ns, st.st_ino]
            entry = known.get(rel)
            if isinstance(entry, list) and entry[:3] == key and isinstance(entry[3], str):
                files[rel] = entry[3]
            else:
                files[rel] = sha256_file(path)
                hashed += 1
            seen[rel] = [*key, files[rel]]
    if cache is not None:
        try:
            _write_atomic(cache, json.dumps(seen))
        except OSError:
            pass  # a full disk there: the next staging simply hashes again
    return {"files": files, "hashed": hashed}


def _read_hash_cache(cache: Path | None) -> dict:
    try:
        found = json.loads(cache.read_text()) if cache is not None else {}
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lathe_trainer.remote")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("reset", "launch", "supervise", "follow", "signal", "manifest"):
        p = sub.add_parser(name)
        p.add_argument("--dir", required=True, type=Path)
        if name == "follow":
            p.add_argument("--offset", type=int, default=0)
            p.add_argument("--stderr-offset", type=int, default=0)
        if name == "signal":
            p.add_argument("--signal", choices=("TERM", "KILL"), default="TERM")
        if name == "manifest":
            p.add_argument("--exclude", action="append", default=[])
            p.add_argument("--cache", type=Path, help="hashes kept between stagings (a file outside the folder)")
        if name == "supervise":
            p.add_argument("--srun", action="store_true", help="start the trainer once per node with srun (a Slurm job)")
        if name in ("launch", "supervise"):
            p.add_argument("trainer_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    run_dir = args.dir.resolve()
    trainer_args = getattr(args, "trainer_args", [])
    trainer_args = trainer_args[1:] if trainer_args[:1] == ["--"] else trainer_args
    if args.command == "reset":
        print(json.dumps(reset(run_dir)), flush=True)
    elif args.command == "launch":
        print(json.dumps(launch(run_dir, trainer_args)), flush=True)
    elif args.command == "supervise":
        supervise(run_dir, trainer_args, args.srun)
    elif args.command == "follow":
        follow(run_dir, args.offset, args.stderr_offset)
    elif args.command == "signal":
        print(json.dumps(send_signal(run_dir, args.signal)), flush=True)
    elif args.command == "manifest":
        print(json.dumps(manifest(run_dir, args.exclude, args.cache)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
