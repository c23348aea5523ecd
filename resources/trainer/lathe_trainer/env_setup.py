"""Creates the trainer's Python environment from a bundled wheelhouse, offline and hash-checked.

One implementation for both places that need it: the offline bundle's ``install.sh`` and the installed desktop
app's first start (the engine runs it with ``--json`` and shows its progress as a job). It needs only the standard
library, because it runs with the system's Python before any environment exists::

    python -m lathe_trainer.env_setup --wheelhouse DIR --dest DIR [--gpu-extra auto|yes|no] [--force] [--json]

Steps: (1) this interpreter must be one the wheelhouse has wheels for, with venv/ensurepip, and the disk must have
room; (2) an environment whose stamp (Python version + the lock file's sha256) matches and whose packages import is
left as it is; (3) otherwise the old one is moved aside, a new venv is made in its place and pip installs every wheel
with ``--no-index --require-hashes --no-deps`` from the lock file (``requirements.lock``, or
``requirements-gpu.lock`` with the GPU extra); (4) the packages must import, then the stamp is written and the old
environment removed. Any failure (a wheel whose hash differs, a full disk, SIGTERM) removes the new environment
and puts the old one back: nothing that worked before is lost.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .hashing import sha256_file

STAMP = ".lathe-lock"
#: What the trainer imports first; checked after installing when the lock carries them.
CORE_IMPORTS = {"torch": "torch", "transformers": "transformers", "peft": "peft", "accelerate": "accelerate", "safetensors": "safetensors"}
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)
_WHEEL_PYTHON = re.compile(r"-cp(\d)(\d+)-")


class SetupError(Exception):
    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


class Reporter:
    """JSON lines for the engine (``--json``), or plain lines for a terminal (install.sh)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def progress(self, fraction: float | None, message: str) -> None:
        if self.as_json:
            self._line({"event": "progress", "fraction": fraction, "message": message})
        else:
            print(f"[lathe install] {message}", flush=True)

    def done(self, result: dict[str, object]) -> None:
        if self.as_json:
            self._line({"event": "done", **result})
        else:
            print(f"[lathe install] {result['message']}", flush=True)

    def error(self, err: SetupError) -> None:
        if self.as_json:
            self._line({"event": "error", "code": err.code, "message": err.message, "hint": err.hint})
        else:
            print(f"[lathe install] {err.message}\n  → {err.hint}", file=sys.stderr, flush=True)

    @staticmethod
    def _line(obj: dict[str, object]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


def lock_packages(lock: Path) -> list[str]:
    """The distribution names the lock pins (lower-case, '-' for '_')."""
    return [m.group(1).lower().replace("_", "-") for m in _REQUIREMENT.finditer(lock.read_text(encoding="utf-8"))]


def wheel_pythons(wheelhouse: Path) -> list[str]:
    """The CPython versions the wheelhouse's version-specific wheels are built for ("3.11", ...)."""
    found = {f"{m.group(1)}.{m.group(2)}" for f in wheelhouse.glob("*.whl") if (m := _WHEEL_PYTHON.search(f.name))}
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))


def gpu_present() -> bool:
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(line.startswith("GPU ") for line in out.splitlines())


def choose_lock(wheelhouse: Path, gpu_extra: str) -> Path:
    gpu_lock = wheelhouse / "requirements-gpu.lock"
    if gpu_lock.is_file() and (gpu_extra == "yes" or (gpu_extra == "auto" and gpu_present())):
        return gpu_lock
    lock = wheelhouse / "requirements.lock"
    if not lock.is_file():
        raise SetupError("PYTHON_MISSING", f"{wheelhouse} holds no requirements.lock: it is not a Lathe wheelhouse.",
                         "Reinstall Lathe from its bundle or installer; the wheelhouse comes with it.")
    return lock


def venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def imports_ok(env: Path, modules: list[str]) -> bool:
    python = venv_python(env)
    if not python.exists():
        return False
    probe = "; ".join(f"import {m}" for m in modules) or "pass"
    return subprocess.run([str(python), "-c", probe], capture_output=True, timeout=600, check=False).returncode == 0


def check_interpreter(wheelhouse: Path) -> str:
    version = "%d.%d" % sys.version_info[:2]
    pythons = wheel_pythons(wheelhouse)
    if pythons and version not in pythons:
        raise SetupError("PYTHON_MISSING", f"{sys.executable} is Python {version}; the bundled wheels are for CPython {', '.join(pythons)}.",
                         f"Install Python {pythons[-1]} (with its venv module) from your OS packages, then set it up again.")
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        raise SetupError("PYTHON_MISSING", f"{sys.executable} has no venv/ensurepip module.",
                         f"On Debian/Ubuntu: install python{version}-venv from your OS packages.") from None
    return version


def check_disk(wheelhouse: Path, dest: Path) -> None:
    wheels = sum(f.stat().st_size for f in wheelhouse.glob("*.whl"))
    need = wheels * 3  # the unpacked packages take about twice the wheels, plus the old environment kept until the end
    parent = dest.parent
    parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(parent).free
    if free < need:
        raise SetupError("DISK_FULL", f"Not enough free disk for the trainer's environment in {parent}: {free / 2**30:.1f} GiB free, "
                         f"about {need / 2**30:.1f} GiB needed.", "Free some space on that disk (or move Lathe's data folder), then set it up again.")


def mismatched_files(pip_output: str) -> list[str]:
    """The wheels pip's hash check refused, by file name."""
    return sorted({Path(m.group(1)).name for m in re.finditer(r"from (?:file://)?(\S+\.whl)", pip_output)})


def pip_install(python: Path, wheelhouse: Path, lock: Path, report: Reporter, total: int, echo: bool) -> None:
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PIP_NO_CACHE_DIR": "1", "PIP_NO_INPUT": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("PIP_INDEX_URL", None)
    env.pop("PIP_EXTRA_INDEX_URL", None)
    cmd = [str(python), "-m", "pip", "install", "--no-index", "--find-links", str(wheelhouse), "--only-binary=:all:",
           "--require-hashes", "--no-deps", "--progress-bar", "off", "-r", str(lock)]
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen = 0
    tail: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            tail = (tail + [line.rstrip()])[-200:]
            if echo and not line.startswith(("Processing ", "Looking in links")):
                sys.stderr.write(line)
            if line.startswith("Processing "):
                seen += 1
                name = Path(line.split()[1]).name.split("-")[0]
                report.progress(0.1 + 0.4 * min(seen, total) / max(total, 1), f"Checking wheel {seen} of {total} ({name})")
            elif line.startswith("Installing collected packages"):
                report.progress(0.55, f"Unpacking {total} packages (torch alone takes a few minutes)…")
        code = child.wait()
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait()
    if code != 0:
        output = "\n".join(tail)
        if "DO NOT MATCH THE HASHES" in output:
            files = mismatched_files(output) or ["(see pip's output)"]
            raise SetupError("PYTHON_MISSING", f"These bundled wheels do not match the hashes in {lock.name}, so nothing was installed: {', '.join(files)}.",
                             "Copy Lathe's bundle or installer again from its source; a wheel was changed after it was built.")
        last = [line for line in tail if line.strip()][-6:]
        raise SetupError("PYTHON_MISSING", "pip could not install the trainer's packages from the bundled wheelhouse: " + " / ".join(last),
                         "Check that this Python matches the bundled wheels (Linux x86-64, glibc 2.28 or newer) and that the disk is not full.")


def setup(wheelhouse: Path, dest: Path, gpu_extra: str, force: bool, report: Reporter, echo: bool) -> dict[str, object]:
    started = time.monotonic()
    if not wheelhouse.is_dir():
        raise SetupError("PYTHON_MISSING", f"There is no wheelhouse at {wheelhouse}.", "Reinstall Lathe from its bundle or installer.")
    version = check_interpreter(wheelhouse)
    lock = choose_lock(wheelhouse, gpu_extra)
    packages = lock_packages(lock)
    wanted_imports = [module for name, module in CORE_IMPORTS.items() if name in packages]
    stamp_want = f"{version} {sha256_file(lock)}"
    stamp = dest / STAMP
    base = {"python": sys.executable, "pythonVersion": version, "lock": lock.name, "dest": str(dest), "packages": len(packages)}
    if not force and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == stamp_want:
        report.progress(0.5, "Checking the existing environment…")
        if imports_ok(dest, wanted_imports):
            return {**base, "changed": False, "message": "the trainer's Python environment is up to date"}
    if lock.name == "requirements-gpu.lock":
        report.progress(0.02, "GPU found (or the GPU extra asked for): installing bitsandbytes and liger-kernel too")
    check_disk(wheelhouse, dest)

    old = dest.with_name(dest.name + ".previous")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)  # kept until the new one works; put back on any failure
    try:
        report.progress(0.05, f"Creating the environment with Python {version} in {dest}…")
        import venv

        venv.EnvBuilder(with_pip=True, symlinks=os.name != "nt", clear=True).create(str(dest))
        pip_install(venv_python(dest), wheelhouse, lock, report, len(packages), echo)
        report.progress(0.9, "Checking that the trainer's packages import…")
        if not imports_ok(dest, wanted_imports):
            raise SetupError("PYTHON_MISSING", f"The trainer's packages were installed but do not import ({', '.join(wanted_imports)}).",
                             "Run `lathe doctor` and report its output; the bundled wheels may not suit this machine's glibc.")
        stamp.write_text(stamp_want + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        if old.exists():
            old.rename(dest)
        raise
    shutil.rmtree(old, ignore_errors=True)
    seconds = round(time.monotonic() - started, 1)
    return {**base, "changed": True, "seconds": seconds,
            "message": f"the trainer's Python environment is ready: {len(packages)} packages for Python {version} in {seconds} s"}


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lathe_trainer.env_setup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheelhouse", required=True, type=Path)
    parser.add_argument("--dest", required=True, type=Path)
    parser.add_argument("--gpu-extra", choices=["auto", "yes", "no"], default="auto")
    parser.add_argument("--force", action="store_true", help="rebuild even when the environment is up to date")
    parser.add_argument("--json", action="store_true", help="JSON lines on stdout (the engine's job)")
    args = parser.parse_args(argv)
    report = Reporter(args.json)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        result = setup(args.wheelhouse.resolve(), args.dest.absolute(), args.gpu_extra, args.force, report, echo=not args.json)
    except SetupError as err:
        report.error(err)
        return 2
    except KeyboardInterrupt:
        report.error(SetupError("CANCELLED", "Setting up the trainer's environment was stopped; the previous one (if any) is kept.", "Start it again when you are ready."))
        return 130
    report.done(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
