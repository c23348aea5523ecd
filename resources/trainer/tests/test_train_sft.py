"""`train` on the tiny model: learning, masking, exact resume, NaN stop, refusals, SIGTERM.

Runs are tiny (max_steps <= 12, max_seq_len 128) so the whole module takes well under a minute on 2 cores.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TRAINER_DIR, assert_error, parse_protocol, run_trainer, trainer_env

SAMPLE_QA = TRAINER_DIR.parent / "samples" / "northwind-qa.jsonl"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def sample_conversations(count: int, offset: int = 0) -> list[dict]:
    rows = [json.loads(line) for line in SAMPLE_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Without the long system prompt the answers fit in 128 tokens of the tiny 512-piece vocabulary.
    return [{"messages": [m for m in r["messages"] if m["role"] != "system"]} for r in rows[offset:offset + count]]


def write_config(folder: Path, tiny_hf: Path, name: str = "run.json", **overrides) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    train = write_jsonl(folder / "train.jsonl", sample_conversations(8))
    val = write_jsonl(folder / "val.jsonl", sample_conversations(4, offset=40))
    config = {"base_model": str(tiny_hf), "output_dir": str(folder / "out"), "method": "lora", "objective": "sft",
              "data": {"train": [train.name], "validation": [val.name]},
              "lora": {"rank": 8, "alpha": 16, "dropout": 0.1}, "max_seq_len": 128, "micro_batch_size": 2,
              "grad_accum": 2, "lr": 0.02, "schedule": "cosine", "warmup_steps": 2, "max_steps": 12,
              "eval_every": 6, "checkpoint_every": 6, "seed": 3, "device": "cpu"}
    config.update(overrides)
    path = folder / name
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def losses(run) -> list[float]:
    return [line["loss"] for line in run.of_type("metrics")]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, tiny_hf):
    folder = tmp_path_factory.mktemp("full-run")
    run = run_trainer("train", "--config", str(write_config(folder, tiny_hf)))
    assert run.returncode == 0, run.stderr[-3000:]
    return folder, run


def test_loss_decreases_and_events_have_their_shapes(full_run):
    folder, run = full_run
    assert run.lines[0]["type"] == "hello" and run.lines[0]["command"] == "train"
    metrics = run.of_type("metrics")
    assert [m["step"] for m in metrics] == list(range(1, 13))
    for m in metrics:
        assert set(m) == {"v", "type", "step", "loss", "lr", "grad_norm", "tokens_per_s", "memory_bytes"}
    values = losses(run)
    assert sum(values[-3:]) / 3 < 0.6 * sum(values[:3]) / 3, values
    assert [e["step"] for e in run.of_type("eval")] == [6, 12]
    assert [c["step"] for c in run.of_type("checkpoint")] == [6, 12]
    done = run.last
    assert done["type"] == "done"
    assert done["payload"]["steps"] == 12 and done["payload"]["final_loss"] == values[-1]
    adapter = Path(done["payload"]["adapter_dir"])
    assert (adapter / "adapter_model.safetensors").is_file() and (adapter / "adapter_config.json").is_file()


def test_run_manifest_traces_inputs_and_outputs(full_run):
    folder, run = full_run
    manifest = json.loads(Path(run.last["payload"]["manifest"]).read_text())
    assert manifest["seed"] == 3 and manifest["steps"] == 12
    assert set(manifest["base_model"]["safetensors_sha256"]) == {"model.safetensors"}
    assert len(manifest["data_files"]) == 2 and all(len(h) == 64 for h in manifest["data_files"].values())
    assert manifest["versions"]["peft"] and manifest["hardware"]["device"]["kind"] == "cpu"
    assert manifest["events"]["counts"]["metrics"] == 12
    last_checkpoint = run.of_type("checkpoint")[-1]
    assert manifest["outputs"]["weights_sha256"] == last_checkpoint["sha256"]

    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(manifest["base_model"]["path"], use_safetensors=True)
    PeftModel.from_pretrained(base, run.last["payload"]["adapter_dir"])


def test_resume_continues_exactly(full_run, tmp_path, tiny_hf):
    _, uninterrupted = full_run
    first = run_trainer("train", "--config", str(write_config(tmp_path / "a", tiny_hf, debug_stop_after_step=6)))
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.last["payload"]["completed"] is False
    checkpoint = first.of_type("checkpoint")[-1]["path"]
    second = run_trainer("train", "--config", str(write_config(tmp_path / "b", tiny_hf)), "--resume", checkpoint)
    assert second.returncode == 0, second.stderr[-3000:]
    assert [m["step"] for m in second.of_type("metrics")] == list(range(7, 13))
    resumed = losses(first) + losses(second)
    assert resumed == pytest.approx(losses(uninterrupted), abs=1e-6, rel=0)
    assert second.of_type("checkpoint")[-1]["sha256"] == uninterrupted.of_type("checkpoint")[-1]["sha256"]


def test_resume_refuses_other_settings(full_run, tmp_path, tiny_hf):
    _, uninterrupted = full_run
    checkpoint = uninterrupted.of_type("checkpoint")[0]["path"]
    run = run_trainer("train", "--config", str(write_config(tmp_path, tiny_hf, lr=0.001)), "--resume", checkpoint)
    assert_error(run, "resume_mismatch")


def test_non_finite_loss_stops_and_keeps_the_last_checkpoint(tmp_path, tiny_hf):
    run = run_trainer("train", "--config", str(write_config(tmp_path, tiny_hf, checkpoint_every=2, eval_every=0,
                                                             debug_inject_nan_at_step=5)))
    error = assert_error(run, "non_finite_loss")
    assert "step 5" in error["message"]
    assert run.returncode == 1
    assert [m["step"] for m in run.of_type("metrics")] == [1, 2, 3, 4]
    assert [c["step"] for c in run.of_type("checkpoint")] == [2, 4]
    last = Path(run.of_type("checkpoint")[-1]["path"])
    assert sorted(p.name for p in last.parent.iterdir()) == ["step-000002", "step-000004"], "no temporary folders"

    from safetensors.torch import load_file

    from lathe_trainer.train.checkpoint import read_state, sha256_file
    import torch

    weights = last / "weights" / "adapter_model.safetensors"
    assert sha256_file(weights) == run.of_type("checkpoint")[-1]["sha256"]
    assert all(torch.isfinite(t).all() for t in load_file(str(weights)).values())
    assert read_state(last)["step"] == 4
    torch.load(last / "optimizer.pt", weights_only=True)
    resumed = run_trainer("train", "--config", str(write_config(tmp_path, tiny_hf, checkpoint_every=2, eval_every=0)),
                          "--resume", str(last))
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert [m["step"] for m in resumed.of_type("metrics")] == list(range(5, 13))


def test_full_fine_tune_writes_a_loadable_model(tmp_path, tiny_hf):
    run = run_trainer("train", "--config", str(write_config(tmp_path, tiny_hf, method="full", lr=0.002, max_steps=4,
                                                             eval_every=0, checkpoint_every=0)))
    assert run.returncode == 0, run.stderr[-3000:]
    model_dir = Path(run.last["payload"]["model_dir"])
    assert run.of_type("checkpoint")[-1]["sha256"] == json.loads(
        Path(run.last["payload"]["manifest"]).read_text())["outputs"]["weights_sha256"]
    from transformers import AutoModelForCausalLM, AutoTokenizer

    AutoModelForCausalLM.from_pretrained(model_dir, use_safetensors=True)
    AutoTokenizer.from_pretrained(model_dir)


def test_folder_with_only_pickle_weights_is_refused(tmp_path, tiny_hf):
    base = tmp_path / "unsafe"
    base.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (base / name).write_bytes((tiny_hf / name).read_bytes())
    (base / "pytorch_model.bin").write_bytes(b"not really a pickle")
    error = assert_error(run_trainer("train", "--config", str(write_config(tmp_path, base))), "unsafe_weights")
    assert "safetensors" in error["hint"]


def test_qlora_on_cpu_is_refused(tmp_path, tiny_hf):
    run = run_trainer("train", "--config", str(write_config(tmp_path, tiny_hf, method="qlora")))
    assert run.lines[0]["type"] == "hello"
    error = assert_error(run, "qlora_needs_gpu")
    assert "NVIDIA" in error["message"] and "\"lora\"" in error["hint"]


def test_bad_config_names_the_key(tmp_path, tiny_hf):
    run = run_trainer("train", "--config", str(write_config(tmp_path, tiny_hf, micro_batch_size=0)))
    error = assert_error(run, "bad_config")
    assert "micro_batch_size" in error["message"] and run.returncode == 2 and len(run.lines) == 1


def test_cpt_trains_and_sigterm_checkpoints_then_exits_130(tmp_path, tiny_hf):
    text = (TRAINER_DIR.parent / "samples" / "corpus").glob("*.txt")
    docs = [{"text": block} for path in sorted(text) for block in path.read_text().split("\n\n") if block.strip()]
    write_jsonl(tmp_path / "docs.jsonl", docs[:200])
    config = write_config(tmp_path, tiny_hf, objective="cpt", data={"train": ["docs.jsonl"], "validation": None},
                          max_steps=100000, checkpoint_every=0, eval_every=0, lr=0.001, max_seq_len=64)
    proc = subprocess.Popen([sys.executable, "-m", "lathe_trainer", "train", "--config", str(config)],
                            cwd=TRAINER_DIR, env=trainer_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for raw in proc.stdout:
        seen.append(raw)
        if json.loads(raw)["type"] == "metrics" and json.loads(raw)["step"] >= 3:
            proc.send_signal(signal.SIGTERM)
            break
    rest, _stderr = proc.communicate(timeout=120)
    lines = parse_protocol("".join(seen) + rest)
    assert proc.returncode == 130
    checkpoint = [line for line in lines if line["type"] == "checkpoint"]
    assert len(checkpoint) == 1 and checkpoint[0]["step"] >= 3
    assert lines[-1]["type"] == "error" and lines[-1]["code"] == "cancelled"
    assert "--resume" in lines[-1]["hint"]
    assert Path(checkpoint[0]["path"], "trainer_state.json").is_file()


def test_eval_at_start_reports_the_base_loss_without_changing_training(full_run, tmp_path, tiny_hf):
    _, plain = full_run
    run = run_trainer("train", "--config", str(write_config(tmp_path, tiny_hf, eval_at_start=True)))
    assert run.returncode == 0, run.stderr[-3000:]
    evals = run.of_type("eval")
    assert evals[0]["step"] == 0
    assert [e["step"] for e in evals[1:]] == [e["step"] for e in plain.of_type("eval")]
    assert losses(run) == losses(plain)
    assert evals[0]["val_loss"] > 0
