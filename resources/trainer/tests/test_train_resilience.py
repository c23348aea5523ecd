"""`train` under pressure, on the tiny model: out-of-memory fallback, heartbeat, gradient checkpointing, packing
and mixed precision on CPU, and two processes under torchrun (gloo).

Runs are short (6 steps, max_seq_len 128) and share one baseline per module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TRAINER_DIR, assert_error, parse_protocol, run_trainer, trainer_env
from test_train_sft import losses, write_config

SHORT = dict(max_steps=6, eval_every=0, checkpoint_every=0, warmup_steps=1)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, tiny_hf):
    """micro-batch 2 x accumulation 2 (dropout on), and the same effective batch as 1 x 4."""
    runs = {}
    for name, micro, accum in (("2x2", 2, 2), ("1x4", 1, 4)):
        folder = tmp_path_factory.mktemp(f"baseline-{name}")
        run = run_trainer("train", "--config", str(write_config(folder, tiny_hf, micro_batch_size=micro,
                                                                 grad_accum=accum, **SHORT)))
        assert run.returncode == 0, run.stderr[-3000:]
        runs[name] = run
    return runs


def test_fake_oom_halves_the_micro_batch_and_matches_a_run_that_started_halved(baseline, tmp_path, tiny_hf):
    """Fallback at step 1: from then on the run must be the 1 x 4 run exactly (same samples, same dropout)."""
    config = write_config(tmp_path, tiny_hf, micro_batch_size=2, grad_accum=2, heartbeat_seconds=0.05, **SHORT)
    run = run_trainer("train", "--config", str(config), env={"LATHE_TRAINER_FAKE_OOM_AT_STEP": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    fallback = [e for e in run.of_type("event") if e["kind"] == "oom_fallback"]
    assert len(fallback) == 1
    assert {k: fallback[0][k] for k in ("step", "micro_batch", "grad_accum")} == {"step": 1, "micro_batch": 1, "grad_accum": 4}
    assert "effective batch 4 unchanged" in fallback[0]["message"]
    assert losses(run) == losses(baseline["1x4"]), "identical to a run that used micro-batch 1 from the start"
    assert losses(run) != losses(baseline["2x2"]), "the comparison must be able to tell the two apart"

    manifest = json.loads(Path(run.last["payload"]["manifest"]).read_text())
    assert [e["kind"] for e in manifest["events"]["events"]] == ["oom_fallback"]
    state = json.loads((Path(run.of_type("checkpoint")[-1]["path"]) / "trainer_state.json").read_text())
    assert state["micro_batch_size"] == 1, "a resume keeps the micro-batch that fitted"

    beats = run.of_type("heartbeat")
    assert beats, "heartbeat_seconds=0.05 must print heartbeats during a run of several seconds"
    assert all(set(b) == {"v", "type", "step", "phase", "idle_s"} for b in beats)
    assert {b["phase"] for b in beats} <= {"setup", "train", "eval", "checkpoint", "output"}
    assert max(b["step"] for b in beats) >= 1
    assert run.lines[0]["type"] == "hello" and run.last["type"] == "done", "heartbeats only between hello and done"


def test_fake_oom_later_keeps_the_steps_before_and_the_sample_order(baseline, tmp_path, tiny_hf):
    config = write_config(tmp_path, tiny_hf, micro_batch_size=2, grad_accum=2, debug_fake_oom_at_step=4, **SHORT)
    run = run_trainer("train", "--config", str(config))
    assert run.returncode == 0, run.stderr[-3000:]
    assert [(e["step"], e["micro_batch"]) for e in run.of_type("event")] == [(4, 1)]
    assert losses(run)[:3] == losses(baseline["2x2"])[:3]
    assert [m["step"] for m in run.of_type("metrics")] == list(range(1, 7))
    assert run.last["payload"]["steps"] == 6 and losses(run)[3:] != losses(baseline["2x2"])[3:]


def test_oom_at_micro_batch_one_stops_with_a_hint(tmp_path, tiny_hf):
    config = write_config(tmp_path, tiny_hf, micro_batch_size=2, grad_accum=2, **SHORT)
    run = run_trainer("train", "--config", str(config), env={"LATHE_TRAINER_FAKE_OOM_AT_STEP": "2:always"})
    error = assert_error(run, "out_of_memory")
    assert "step 2" in error["message"] and "micro-batch of 1" in error["message"]
    assert "qlora" in error["hint"] and "max_seq_len" in error["hint"] and "rank" in error["hint"]
    assert [e["micro_batch"] for e in run.of_type("event")] == [1]
    assert [m["step"] for m in run.of_type("metrics")] == [1]


def test_gradient_checkpointing_trains_with_the_same_losses(baseline, tmp_path, tiny_hf):
    config = write_config(tmp_path, tiny_hf, micro_batch_size=2, grad_accum=2, gradient_checkpointing=True, **SHORT)
    run = run_trainer("train", "--config", str(config))
    assert run.returncode == 0, run.stderr[-3000:]
    assert losses(run) == pytest.approx(losses(baseline["2x2"]), abs=1e-5, rel=0)


def test_packed_sft_in_bf16_autocast_learns(tmp_path, tiny_hf):
    config = write_config(tmp_path, tiny_hf, packing=True, precision="bf16", max_steps=10, eval_every=0,
                          checkpoint_every=0)
    run = run_trainer("train", "--config", str(config))
    assert run.returncode == 0, run.stderr[-3000:]
    values = losses(run)
    assert sum(values[-3:]) / 3 < 0.8 * sum(values[:3]) / 3, values
    manifest = json.loads(Path(run.last["payload"]["manifest"]).read_text())
    assert manifest["hardware"]["device"]["precision"] == "bf16" and manifest["config"]["packing"] is True


def test_fp16_on_cpu_is_refused(tmp_path, tiny_hf):
    error = assert_error(run_trainer("train", "--config", str(write_config(tmp_path, tiny_hf, precision="fp16"))),
                         "precision_unsupported")
    assert "CUDA" in error["message"]


def test_fp16_loss_scaling_trains_like_fp32_cpu_stands_in_for_the_gpu(tmp_path, tiny_hf):
    """fp16 with its GradScaler, on the CPU through the LATHE_TRAINER_CPU_FP16 test hook (no GPU here): the
    loss is scaled before backward and the gradients unscaled before clipping, so gradient norms and losses follow
    the fp32 run. (Before the fix the loss was never scaled but the gradients were unscaled: norms 65536x small.)"""
    runs = {}
    for precision in ("fp32", "fp16"):
        config = write_config(tmp_path / precision, tiny_hf, precision=precision, max_steps=10, eval_every=0,
                              checkpoint_every=0)
        runs[precision] = run_trainer("train", "--config", str(config), env={"LATHE_TRAINER_CPU_FP16": "1"})
        assert runs[precision].returncode == 0, runs[precision].stderr[-3000:]
    fp32, fp16 = runs["fp32"].of_type("metrics"), runs["fp16"].of_type("metrics")
    for a, b in zip(fp32, fp16):
        assert b["grad_norm"] == pytest.approx(a["grad_norm"], rel=0.1), (a, b)
        assert b["loss"] == pytest.approx(a["loss"], abs=0.1), (a, b)
    values = losses(runs["fp16"])
    assert sum(values[-3:]) / 3 < 0.6 * sum(values[:3]) / 3, values
    manifest = json.loads(Path(runs["fp16"].last["payload"]["manifest"]).read_text())
    assert manifest["hardware"]["device"]["precision"] == "fp16"


def test_fp16_overflowing_steps_are_skipped_and_reported(tmp_path, tiny_hf):
    """A loss scale far too large (2^22) overflows the fp16 gradients: those steps are skipped, each says so in an
    event, the scale halves until it fits, and the run still learns."""
    config = write_config(tmp_path, tiny_hf, precision="fp16", max_steps=12, eval_every=0, checkpoint_every=0)
    run = run_trainer("train", "--config", str(config),
                      env={"LATHE_TRAINER_CPU_FP16": "1", "LATHE_TRAINER_FP16_INIT_SCALE": str(2.0 ** 22)})
    assert run.returncode == 0, run.stderr[-3000:]
    overflows = [e for e in run.of_type("event") if e["kind"] == "fp16_overflow"]
    assert overflows and overflows[0]["step"] == 1 and "skipped" in overflows[0]["message"]
    assert [e["loss_scale"] for e in overflows] == sorted((e["loss_scale"] for e in overflows), reverse=True)
    metrics = run.of_type("metrics")
    assert metrics[0]["grad_norm"] is None, "a skipped step reports no gradient norm"
    assert metrics[-1]["grad_norm"] is not None and metrics[-1]["loss"] < metrics[0]["loss"]


def test_two_processes_under_torchrun_stop_resume_and_finish_as_one_run(tmp_path, tiny_hf):
    """devices=2 on CPU (gloo): one stream of protocol lines, SIGTERM to the process group (as the engine stops a
    run) checkpoints once and exits 130, and --resume finishes the run."""
    config = write_config(tmp_path, tiny_hf, devices=2, micro_batch_size=1, grad_accum=2, max_steps=8,
                          eval_every=0, checkpoint_every=0, heartbeat_seconds=0)
    proc = subprocess.Popen([sys.executable, "-m", "lathe_trainer", "train", "--config", str(config)], cwd=TRAINER_DIR,
                            env=trainer_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    seen = []
    for raw in proc.stdout:
        seen.append(raw)
        if json.loads(raw)["type"] == "metrics" and json.loads(raw)["step"] >= 2:
            os.killpg(proc.pid, signal.SIGTERM)
            break
    rest, stderr = proc.communicate(timeout=180)
    first = parse_protocol("".join(seen) + rest)
    assert proc.returncode == 130, stderr[-3000:]
    assert [line["type"] for line in first].count("hello") == 1, "only rank 0 speaks"
    distributed = [e for e in first if e["type"] == "event" and e["kind"] == "distributed"]
    assert distributed and distributed[0]["world_size"] == 2 and distributed[0]["backend"] == "gloo"
    checkpoints = [line for line in first if line["type"] == "checkpoint"]
    errors = [line for line in first if line["type"] == "error"]
    assert len(checkpoints) == 1 and len(errors) == 1 and errors[0]["code"] == "cancelled", first[-3:]
    stopped_at = checkpoints[0]["step"]
    assert stopped_at >= 2

    resumed = run_trainer("train", "--config", str(config), "--resume", checkpoints[0]["path"], timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert [m["step"] for m in resumed.of_type("metrics")] == list(range(stopped_at + 1, 9))
    assert [e["step"] for e in resumed.of_type("eval")] == [8]
    values = [m["loss"] for m in first if m["type"] == "metrics"][:stopped_at] + losses(resumed)
    assert sum(values[-3:]) / 3 < sum(values[:3]) / 3, values
    assert resumed.last["type"] == "done" and Path(resumed.last["payload"]["adapter_dir"], "adapter_model.safetensors").is_file()
    names = sorted(p.name for p in Path(checkpoints[0]["path"]).parent.iterdir())
    assert names == [f"step-{stopped_at:06d}", "step-000008"], "one set of checkpoints, no leftovers from other ranks"


def test_two_processes_resume_exactly_with_each_rank_its_own_dropout(tmp_path, tiny_hf):
    """devices=2 (gloo, dropout on): stopping after step 3 and resuming gives the very losses and adapter weights
    of an uninterrupted run, because every rank saves and restores its own RNG; and the ranks draw different
    dropout masks (distinct seeds), so their saved RNG states differ."""
    from safetensors.torch import load_file

    common = dict(devices=2, micro_batch_size=1, grad_accum=2, max_steps=6, eval_every=0, checkpoint_every=0,
                  heartbeat_seconds=0)
    whole = run_trainer("train", "--config", str(write_config(tmp_path / "whole", tiny_hf, **common)), timeout=300)
    assert whole.returncode == 0, whole.stderr[-3000:]
    config = write_config(tmp_path / "split", tiny_hf, debug_stop_after_step=3, **common)
    first = run_trainer("train", "--config", str(config), timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    checkpoint = Path(first.of_type("checkpoint")[-1]["path"])
    assert checkpoint.name == "step-000003"
    rank0, rank1 = load_file(str(checkpoint / "rng.safetensors")), load_file(str(checkpoint / "rng-rank-1.safetensors"))
    assert not rank0["torch"].equal(rank1["torch"]), "both ranks drew the same dropout masks"

    resumed = run_trainer("train", "--config", str(config), "--resume", str(checkpoint), timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert losses(first)[:3] + losses(resumed) == pytest.approx(losses(whole), abs=1e-6, rel=0)
    a = load_file(str(Path(whole.last["payload"]["adapter_dir"]) / "adapter_model.safetensors"))
    b = load_file(str(Path(resumed.last["payload"]["adapter_dir"]) / "adapter_model.safetensors"))
    assert a.keys() == b.keys() and all(a[k].equal(b[k]) for k in a)


def test_resume_refuses_a_checkpoint_without_this_ranks_rng(tmp_path, tiny_hf):
    """A checkpoint of a single-process run has no rng-rank-1: the second process refuses it by name."""
    from lathe_trainer.protocol import LatheError
    from lathe_trainer.train import checkpoint as ckpt

    folder = tmp_path / "step-000001"
    folder.mkdir()
    (folder / ckpt.STATE_FILE).write_text(json.dumps({"step": 1, "rng": {}}), encoding="utf-8")
    with pytest.raises(LatheError) as error:
        ckpt.load_checkpoint(folder, None, rank=1)
    assert error.value.code == "checkpoint_unreadable" and "process 1" in error.value.message


def test_fsdp_full_fine_tune_matches_ddp_and_resumes_exactly(tmp_path, tiny_hf):
    """sharding "fsdp" (torch FSDP2, 2 processes on gloo): the same losses as DDP, whole-model checkpoints and
    output in the usual format, and a stop + resume that equals the uninterrupted sharded run."""
    from safetensors.torch import load_file

    common = dict(method="full", devices=2, micro_batch_size=1, grad_accum=2, max_steps=4, lr=0.001, eval_every=0,
                  checkpoint_every=0, heartbeat_seconds=0)
    ddp = run_trainer("train", "--config", str(write_config(tmp_path / "ddp", tiny_hf, **common)), timeout=300)
    fsdp = run_trainer("train", "--config", str(write_config(tmp_path / "fsdp", tiny_hf, sharding="fsdp", **common)),
                       timeout=300)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    assert fsdp.returncode == 0, fsdp.stderr[-3000:]
    assert losses(fsdp) == pytest.approx(losses(ddp), abs=1e-5)
    a = load_file(str(Path(ddp.last["payload"]["model_dir"]) / "model.safetensors"))
    b = load_file(str(Path(fsdp.last["payload"]["model_dir"]) / "model.safetensors"))
    assert a.keys() == b.keys() and all(a[k].shape == b[k].shape and (a[k] - b[k]).abs().max() < 1e-4 for k in a)

    config = write_config(tmp_path / "split", tiny_hf, sharding="fsdp", debug_stop_after_step=2, **common)
    first = run_trainer("train", "--config", str(config), timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    checkpoint = first.of_type("checkpoint")[-1]["path"]
    resumed = run_trainer("train", "--config", str(config), "--resume", checkpoint, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert losses(first)[:2] + losses(resumed) == pytest.approx(losses(fsdp), abs=1e-6, rel=0)


def test_fsdp_refuses_fp16_and_a_resume_from_ddp(tmp_path, tiny_hf):
    common = dict(devices=2, micro_batch_size=1, grad_accum=2, max_steps=2, eval_every=0, checkpoint_every=0,
                  heartbeat_seconds=0)
    error = assert_error(run_trainer("train", "--config", str(write_config(
        tmp_path / "fp16", tiny_hf, sharding="fsdp", precision="fp16", **common)),
        env={"LATHE_TRAINER_CPU_FP16": "1"}, timeout=300), "precision_unsupported")
    assert "fsdp" in error["message"]
    ddp = run_trainer("train", "--config", str(write_config(tmp_path / "ddp", tiny_hf, **common)), timeout=300)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    sharded = write_config(tmp_path / "ddp", tiny_hf, name="sharded.json", sharding="fsdp", **common)
    assert_error(run_trainer("train", "--config", str(sharded), "--resume", ddp.of_type("checkpoint")[-1]["path"],
                             timeout=300), "resume_mismatch")


def test_compiled_blocks_train_like_eager_ones(tmp_path, tiny_hf):
    """`compile: true` (torch.compile per decoder block, inductor on CPU here): the same losses as eager without
    dropout (compiled dropout draws its masks from another generator, so with dropout only the first step matches)."""
    common = dict(max_steps=3, eval_every=0, checkpoint_every=0, lora={"rank": 8, "alpha": 16, "dropout": 0.0})
    eager = run_trainer("train", "--config", str(write_config(tmp_path / "eager", tiny_hf, **common)))
    compiled = run_trainer("train", "--config", str(write_config(tmp_path / "compiled", tiny_hf, compile=True, **common)),
                           timeout=600)
    assert eager.returncode == 0, eager.stderr[-3000:]
    assert compiled.returncode == 0, compiled.stderr[-3000:]
    assert "torch.compile: 2 decoder blocks" in compiled.stderr
    assert losses(compiled) == pytest.approx(losses(eager), abs=1e-4)


@pytest.mark.parametrize("victim", ["optimizer.pt", "weights/adapter_model.safetensors", "rng.safetensors"])
def test_a_checkpoint_whose_files_were_altered_is_refused_on_resume(tmp_path, tiny_hf, victim):
    """checksums.json (written last at save) is checked before anything is loaded: one flipped byte in the optimizer
    state, the weights or the RNG state stops the resume with `checkpoint_corrupt` naming the file."""
    config = write_config(tmp_path, tiny_hf, max_steps=2, eval_every=0, checkpoint_every=1)
    run = run_trainer("train", "--config", str(config))
    assert run.returncode == 0, run.stderr[-3000:]
    checkpoint = Path(run.of_type("checkpoint")[0]["path"])
    assert json.loads((checkpoint / "checksums.json").read_text())[victim]
    data = bytearray((checkpoint / victim).read_bytes())
    data[len(data) // 2] ^= 0x01
    (checkpoint / victim).write_bytes(bytes(data))
    error = assert_error(run_trainer("train", "--config", str(config), "--resume", str(checkpoint)), "checkpoint_corrupt")
    assert victim in error["message"]

    (checkpoint / victim).unlink()  # and a removed file is named too
    error = assert_error(run_trainer("train", "--config", str(config), "--resume", str(checkpoint)), "checkpoint_corrupt")
    assert f"{victim} is missing" in error["message"]


def test_old_checkpoints_are_pruned_to_the_newest_n_and_the_best(tmp_path, tiny_hf):
    """keep_checkpoints 2 over 6 checkpoints: the newest two stay, plus the one with the lowest validation loss;
    each removal is an event the engine uses to drop its rows; 0 keeps everything."""
    config = write_config(tmp_path, tiny_hf, max_steps=6, checkpoint_every=1, eval_every=1, keep_checkpoints=2,
                          lr=0.2)  # a learning rate high enough that the validation loss is not monotone
    run = run_trainer("train", "--config", str(config))
    assert run.returncode == 0, run.stderr[-3000:]
    evals = {e["step"]: e["val_loss"] for e in run.of_type("eval")}
    folders = sorted(p.name for p in (tmp_path / "out" / "checkpoints").iterdir())
    kept = {int(name[5:]) for name in folders}
    best = min(evals, key=evals.get)
    assert {5, 6} <= kept and best in kept and kept <= {5, 6, best}, (folders, evals)
    pruned = [s for e in run.of_type("event") if e["kind"] == "checkpoints_pruned" for s in e["steps"]]
    assert sorted(pruned) == sorted(set(range(1, 7)) - kept)

    everything = write_config(tmp_path / "all", tiny_hf, max_steps=3, checkpoint_every=1, eval_every=0, keep_checkpoints=0)
    run = run_trainer("train", "--config", str(everything))
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(list((tmp_path / "all" / "out" / "checkpoints").iterdir())) == 3


def test_nodes_join_through_the_c10d_rendezvous_and_refuse_to_start_without_one(tmp_path, tiny_hf):
    """`nodes` > 1 (a Slurm job over several machines) needs the rendezvous endpoint `remote supervise --srun` sets;
    with one, torchrun joins the processes through c10d instead of --standalone (here one node, two gloo processes),
    and the world size is nodes × devices."""
    import socket

    lonely = write_config(tmp_path / "lonely", tiny_hf, nodes=2, devices=1, max_steps=2, heartbeat_seconds=0)
    refused = run_trainer("train", "--config", str(lonely))
    assert refused.returncode == 2 and refused.last["code"] == "distributed_failed", refused.last
    assert "rendezvous" in refused.last["message"] and "Slurm" in refused.last["hint"]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(tmp_path / "joined", tiny_hf, devices=2, micro_batch_size=1, grad_accum=2, max_steps=3,
                          eval_every=0, checkpoint_every=0, heartbeat_seconds=0)
    run = run_trainer("train", "--config", str(config), timeout=300,
                      env={"LATHE_RDZV_ENDPOINT": f"127.0.0.1:{port}", "LATHE_RDZV_ID": "pytest"})
    assert run.returncode == 0, run.stderr[-3000:]
    distributed = [e for e in run.of_type("event") if e["kind"] == "distributed"]
    assert distributed and distributed[0]["world_size"] == 2
    assert "--rdzv-backend=c10d" in run.stderr and "--standalone" not in run.stderr
    assert [m["step"] for m in run.of_type("metrics")] == [1, 2, 3]
