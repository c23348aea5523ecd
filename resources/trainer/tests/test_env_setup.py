"""env_setup: the trainer's environment from a wheelhouse, offline and hash-checked (install.sh and the desktop app).

Real venvs and a real pip, on a wheelhouse of one small wheel built here (no network: pip runs with --no-index).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

TRAINER_DIR = Path(__file__).resolve().parents[1]


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(folder: Path, name: str = "lathe_tinypkg", version: str = "1.0", tag: str = "py3-none-any") -> Path:
    files = {
        f"{name}/__init__.py": f"VALUE = {version!r}\n".encode(),
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{name}-{version}.dist-info/WHEEL": f"Wheel-Version: 1.0\nGenerator: lathe-test\nRoot-Is-Purelib: true\nTag: {tag}\n".encode(),
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items()) + f"{name}-{version}.dist-info/RECORD,,\n"
    wheel = folder / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
        z.writestr(f"{name}-{version}.dist-info/RECORD", record)
    return wheel


def make_wheelhouse(folder: Path) -> Path:
    folder.mkdir(parents=True)
    wheel = build_wheel(folder)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (folder / "requirements.lock").write_text(f"lathe-tinypkg==1.0 \\\n    --hash=sha256:{digest}\n", encoding="utf-8")
    return wheel


def run_setup(wheelhouse: Path, dest: Path, *extra: str) -> tuple[int, list[dict], str]:
    env = {**os.environ, "PYTHONPATH": str(TRAINER_DIR), "PIP_INDEX_URL": "http://127.0.0.1:9/never-used"}
    env.pop("LATHE_PARENT_PID", None)
    done = subprocess.run([sys.executable, "-m", "lathe_trainer.env_setup", "--wheelhouse", str(wheelhouse), "--dest", str(dest),
                           "--gpu-extra", "no", "--json", *extra], capture_output=True, text=True, env=env, timeout=300, check=False)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines, done.stderr


def env_value(dest: Path) -> str:
    return subprocess.run([str(dest / "bin" / "python"), "-c", "import lathe_tinypkg; print(lathe_tinypkg.VALUE)"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_creates_the_environment_offline_then_finds_it_up_to_date(tmp_path: Path) -> None:
    wheelhouse, dest = tmp_path / "wheelhouse", tmp_path / "data" / "python-env"
    make_wheelhouse(wheelhouse)
    code, lines, stderr = run_setup(wheelhouse, dest)
    assert code == 0, stderr
    assert lines[-1]["event"] == "done" and lines[-1]["changed"] is True and lines[-1]["packages"] == 1
    assert any(line["event"] == "progress" and "wheel 1 of 1" in line["message"] for line in lines)
    fractions = [line["fraction"] for line in lines if line["event"] == "progress" and line["fraction"] is not None]
    assert fractions == sorted(fractions)
    assert env_value(dest) == "1.0"
    assert (dest / ".lathe-lock").read_text().split()[0] == "%d.%d" % sys.version_info[:2]
    assert not (tmp_path / "data" / "python-env.previous").exists()

    code, lines, _ = run_setup(wheelhouse, dest)
    assert code == 0 and lines[-1]["changed"] is False and "up to date" in lines[-1]["message"]


def test_a_new_lock_rebuilds_the_environment(tmp_path: Path) -> None:
    wheelhouse, dest = tmp_path / "wheelhouse", tmp_path / "python-env"
    make_wheelhouse(wheelhouse)
    assert run_setup(wheelhouse, dest)[0] == 0
    # A newer app brings a newer wheel and lock: the stamp no longer matches, so the environment is made again.
    for old in wheelhouse.glob("*.whl"):
        old.unlink()
    wheel = build_wheel(wheelhouse, version="2.0")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (wheelhouse / "requirements.lock").write_text(f"lathe-tinypkg==2.0 --hash=sha256:{digest}\n", encoding="utf-8")
    code, lines, stderr = run_setup(wheelhouse, dest)
    assert code == 0 and lines[-1]["changed"] is True, stderr
    assert env_value(dest) == "2.0"


def test_a_changed_wheel_is_refused_by_name_and_the_working_environment_is_kept(tmp_path: Path) -> None:
    wheelhouse, dest = tmp_path / "wheelhouse", tmp_path / "python-env"
    wheel = make_wheelhouse(wheelhouse)
    assert run_setup(wheelhouse, dest)[0] == 0
    with wheel.open("ab") as f:
        f.write(b"x")
    code, lines, _ = run_setup(wheelhouse, dest, "--force")
    assert code == 2
    error = lines[-1]
    assert error["event"] == "error" and error["code"] == "PYTHON_MISSING"
    assert wheel.name in error["message"] and "do not match the hashes" in error["message"]
    assert env_value(dest) == "1.0", "the environment that worked before the failed rebuild is put back"
    assert not (tmp_path / "python-env.previous").exists()


def test_a_wheel_missing_from_the_lock_leaves_nothing_half_made(tmp_path: Path) -> None:
    wheelhouse, dest = tmp_path / "wheelhouse", tmp_path / "python-env"
    make_wheelhouse(wheelhouse)
    (wheelhouse / "requirements.lock").write_text("lathe-tinypkg==1.0\n", encoding="utf-8")  # no --hash: pip refuses
    code, lines, _ = run_setup(wheelhouse, dest)
    assert code == 2 and lines[-1]["event"] == "error"
    assert "pip could not install" in lines[-1]["message"]
    assert not dest.exists()


def test_an_interpreter_the_wheels_are_not_for_is_named_with_the_versions_that_fit(tmp_path: Path) -> None:
    wheelhouse, dest = tmp_path / "wheelhouse", tmp_path / "python-env"
    make_wheelhouse(wheelhouse)
    build_wheel(wheelhouse, name="lathe_native", tag="cp399-cp399-linux_x86_64")
    code, lines, _ = run_setup(wheelhouse, dest)
    assert code == 2
    assert "CPython 3.99" in lines[-1]["message"] and "Install Python 3.99" in lines[-1]["hint"]
    assert not dest.exists()


def test_plain_output_for_install_sh(tmp_path: Path) -> None:
    wheelhouse, dest = tmp_path / "wheelhouse", tmp_path / "python-env"
    wheel = make_wheelhouse(wheelhouse)
    with wheel.open("ab") as f:
        f.write(b"x")
    env = {**os.environ, "PYTHONPATH": str(TRAINER_DIR)}
    done = subprocess.run([sys.executable, "-m", "lathe_trainer.env_setup", "--wheelhouse", str(wheelhouse), "--dest", str(dest), "--gpu-extra", "no"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 2
    assert "[lathe install] Creating the environment" in done.stdout
    assert "DO NOT MATCH THE HASHES" in done.stderr  # pip's own words, passed through to the terminal
    assert wheel.name in done.stderr and "→ Copy Lathe's bundle" in done.stderr
