"""Lathe never runs code that comes with a model (lathe_trainer/no_remote_code.py).

The canary: the tiny model's HF folder plus `auto_map` entries (config.json, tokenizer_config.json) naming
canary_model.py / canary_tokenizer.py, whose import appends to a marker file. A control test shows the canary is
live (plain transformers with trust_remote_code=True runs it); every other test shows that Lathe's Python does not
run it: the trainer's commands refuse the folder up front with `custom_code_refused`, and the guard stops
transformers from loading a dynamic module even when a caller asks for trust_remote_code=True - including
llama.cpp's converter, which does exactly that for several architectures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TRAINER_DIR, assert_error, parse_protocol, run_trainer, trainer_env

CODE, EXIT_REFUSED = "custom_code_refused", 3  # the error code and the wrapper's exit status (no_remote_code.py)


def _edit(path: Path, **entries) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(entries)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


@pytest.fixture()
def canary(tmp_path: Path, tiny_hf: Path) -> tuple[Path, Path]:
    """(model folder, marker file). DreamModel and no tokenizer.model: llama.cpp's converter then asks for remote code."""
    folder, marker = tmp_path / "canary", tmp_path / "CANARY-RAN"
    shutil.copytree(tiny_hf, folder)
    (folder / "tokenizer.model").unlink(missing_ok=True)
    _edit(folder / "config.json", architectures=["DreamModel"],
          auto_map={"AutoConfig": "canary_model.CanaryConfig", "AutoModelForCausalLM": "canary_model.CanaryForCausalLM"})
    _edit(folder / "tokenizer_config.json", auto_map={"AutoTokenizer": ["canary_tokenizer.CanaryTokenizer", None]})
    for module in ("canary_model", "canary_tokenizer"):
        (folder / f"{module}.py").write_text(f"with open({str(marker)!r}, 'a') as f:\n    f.write('{module} ran\\n')\n",
                                            encoding="utf-8")
    return folder, marker


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = trainer_env({"HF_MODULES_CACHE": str(tmp_path / "hf-modules"), "HF_HUB_OFFLINE": "1"})
    return subprocess.run([sys.executable, "-c", code], cwd=TRAINER_DIR, env=env, capture_output=True, text=True, timeout=240)


def _copied(tmp_path: Path) -> list[str]:
    cache = tmp_path / "hf-modules"
    return sorted(p.name for p in cache.rglob("canary*")) if cache.exists() else []


def test_describe_names_auto_map_and_python_files(tmp_path: Path, tiny_hf: Path):
    from lathe_trainer.no_remote_code import describe_custom_code

    clean = tmp_path / "clean"
    shutil.copytree(tiny_hf, clean)
    assert describe_custom_code(clean) is None
    (clean / "preprocessor_config.json").write_text(json.dumps({"auto_map": {"AutoProcessor": "p.Proc"}}))
    assert describe_custom_code(clean) == "auto_map → p.Proc in preprocessor_config.json"
    only_py = tmp_path / "only-py"
    shutil.copytree(tiny_hf, only_py)
    (only_py / "modeling_x.py").write_text("")
    assert describe_custom_code(only_py) == "Python file modeling_x.py"


def test_canary_is_live_without_the_guard(canary, tmp_path: Path):
    """Control: plain transformers, trust_remote_code=True, runs the folder's code - the harness can see it."""
    folder, marker = canary
    result = _python(f"from transformers import AutoConfig\nAutoConfig.from_pretrained({str(folder)!r}, trust_remote_code=True)", tmp_path)
    assert "canary_model ran" in marker.read_text(encoding="utf-8"), result.stderr[-2000:]


@pytest.mark.parametrize("transformers_first", [False, True], ids=["installed-before-transformers", "installed-after"])
def test_guard_refuses_trust_remote_code_true(canary, tmp_path: Path, transformers_first: bool):
    folder, marker = canary
    code = f"""
import sys
{'import transformers.dynamic_module_utils' if transformers_first else ''}
from lathe_trainer.no_remote_code import CustomCodeRefused, install
install()
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
from transformers.dynamic_module_utils import get_class_from_dynamic_module
calls = [lambda: AutoConfig.from_pretrained({str(folder)!r}, trust_remote_code=True),
         lambda: AutoTokenizer.from_pretrained({str(folder)!r}, trust_remote_code=True),
         lambda: AutoModelForCausalLM.from_pretrained({str(folder)!r}, trust_remote_code=True),
         lambda: get_class_from_dynamic_module("canary_model.CanaryConfig", {str(folder)!r})]
for call in calls:
    try:
        call()
    except CustomCodeRefused as exc:
        assert exc.code == "custom_code_refused" and "Lathe never runs code that comes with a model" in exc.message, exc
    else:
        sys.exit("not refused")
print("all refused")
"""
    result = _python(code, tmp_path)
    assert result.returncode == 0 and "all refused" in result.stdout, result.stderr[-3000:]
    assert not marker.exists(), marker.read_text(encoding="utf-8")
    assert _copied(tmp_path) == []


def test_train_refuses_the_folder_up_front(canary, tmp_path: Path):
    from test_train_sft import write_config

    folder, marker = canary
    run = run_trainer("train", "--config", str(write_config(tmp_path / "run", folder)),
                      env={"HF_MODULES_CACHE": str(tmp_path / "hf-modules")})
    error = assert_error(run, CODE)
    assert error["message"].startswith("This model needs custom Python code from its folder (auto_map → canary_model.CanaryConfig")
    assert "bug" not in error["hint"] and "supports natively" in error["hint"]
    assert not run.of_type("hello"), "refused before torch is even imported"
    assert not marker.exists()


def test_perplexity_and_export_refuse_the_folder(canary, tmp_path: Path):
    folder, marker = canary
    data = tmp_path / "heldout.jsonl"
    data.write_text(json.dumps({"text": "A held-out line."}) + "\n", encoding="utf-8")
    ppl = tmp_path / "ppl.json"
    ppl.write_text(json.dumps({"model": str(folder), "data": [str(data)], "device": "cpu"}), encoding="utf-8")
    assert_error(run_trainer("perplexity", "--config", str(ppl)), CODE)
    for args in (["reference", "--model", str(folder)],
                 ["render-chat", "--model", str(folder), "--messages", json.dumps([{"role": "user", "content": "hi"}])]):
        result = subprocess.run([sys.executable, "-m", "lathe_trainer.export", *args], cwd=TRAINER_DIR, env=trainer_env(),
                                capture_output=True, text=True, timeout=240)
        last = parse_protocol(result.stdout)[-1]
        assert result.returncode != 0 and last["type"] == "error" and last["code"] == CODE, (args, last, result.stderr[-2000:])
    assert not marker.exists()


def _llama_cpp() -> Path:
    from lathe_trainer.tiny_model.gguf_convert import BUNDLE_ENV, checkout, default_bundle_path, resolve_source

    if not default_bundle_path().is_file() and not os.environ.get(BUNDLE_ENV):
        pytest.skip("node-llama-cpp's llama/gitRelease.bundle is not installed")
    return checkout(resolve_source(None))


@pytest.mark.gguf
def test_converter_runs_guarded_even_without_the_folder_check(canary, tmp_path: Path):
    """llama.cpp's converter calls AutoTokenizer.from_pretrained(trust_remote_code=True) for DreamModel: the guard stops it."""
    folder, marker = canary
    llama_cpp = _llama_cpp()
    out = tmp_path / "out.gguf"
    env = trainer_env({"PYTHONPATH": os.pathsep.join([str(TRAINER_DIR), str(llama_cpp / "gguf-py")]),
                       "HF_MODULES_CACHE": str(tmp_path / "hf-modules")})
    converter = [str(llama_cpp / "convert_hf_to_gguf.py"), str(folder), "--outfile", str(out), "--outtype", "f16"]
    for check in ([], ["--check", str(folder)]):
        result = subprocess.run([sys.executable, "-m", "lathe_trainer.no_remote_code", *check, "--", *converter],
                                cwd=llama_cpp, env=env, capture_output=True, text=True, timeout=300)
        last = result.stderr.strip().splitlines()[-1]
        assert result.returncode == EXIT_REFUSED, result.stderr[-3000:]
        assert last.startswith(f"{CODE}: This model needs custom Python code from its folder ("), last
        assert not marker.exists(), marker.read_text(encoding="utf-8")
        assert not out.exists()
    assert _copied(tmp_path) == []
