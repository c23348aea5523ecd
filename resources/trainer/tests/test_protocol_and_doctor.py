"""The wire protocol and the `doctor` command, as the engine sees them."""

from __future__ import annotations

import io
import json

from conftest import assert_error, protocol_breach, run_trainer

from lathe_trainer.protocol import PROTOCOL_VERSION, ProtocolWriter


def test_writer_emits_one_versioned_object_per_line():
    stream = io.StringIO()
    writer = ProtocolWriter(stream)
    writer.progress("pretrain", 1.7, "clamped")
    writer.emit("metrics", step=3, loss=float("nan"), note="naïve ✓")
    writer.error("some_code", "Something failed.", "Do this instead.")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["type"] for line in lines] == ["progress", "metrics", "error"]
    assert all(line["v"] == PROTOCOL_VERSION for line in lines)
    assert lines[0]["fraction"] == 1.0
    assert lines[1]["loss"] is None, "NaN must become null so the line stays valid JSON"
    assert lines[1]["note"] == "naïve ✓"
    assert lines[2] == {"v": 1, "type": "error", "code": "some_code", "message": "Something failed.",
                        "hint": "Do this instead."}


def test_the_shared_schema_refuses_lines_the_engine_could_not_read():
    """protocol.schema.json comes from the engine's zod definition; every command the suite runs is checked against it
    (conftest.parse_protocol). Here: it accepts what the writer emits and names what is wrong with a drifted line."""
    stream = io.StringIO()
    writer = ProtocolWriter(stream)
    writer.progress("train", 0.5, "step 1/2")
    writer.emit("metrics", step=1, loss=float("nan"), lr=1e-4, grad_norm=0.5, tokens_per_s=12.5, memory_bytes=None)
    writer.emit("heartbeat", step=None, phase="setup", idle_s=0.0)
    writer.emit("event", kind="data_mix", sources=[{"name": "general", "share": 0.2}], message="Mixing")
    writer.done({"steps": 1})
    assert [protocol_breach(json.loads(line)) for line in stream.getvalue().splitlines()] == [None] * 5

    metrics = {"v": 1, "type": "metrics", "step": 1, "loss": 2.0, "lr": 1e-4, "grad_norm": 0.5, "tokens_per_s": 9.0,
               "memory_bytes": 1024}
    assert protocol_breach(metrics) is None
    assert "'lr' is a required property" in protocol_breach({k: v for k, v in metrics.items() if k != "lr"})
    assert "learning_rate" in protocol_breach({**metrics, "learning_rate": 1e-4})  # a metric the engine does not know
    assert protocol_breach({**metrics, "v": 2}) is not None
    assert protocol_breach({"v": 1, "type": "heartbeat", "step": 1, "phase": "napping", "idle_s": 0}) is not None
    assert protocol_breach({"v": 1, "type": "checkpoint", "step": 1, "path": "/x", "sha256": "abc"}) is not None
    assert protocol_breach({"v": 1, "type": "telemetry"}) == 'unknown line type "telemetry"'
    assert protocol_breach([1, 2]) is not None


def test_the_outcome_is_always_the_last_line(capsys):
    """A heartbeat thread racing the main thread's `done` (seen under load in a preference run) must not follow it:
    the engine takes the last line as the outcome."""
    for end in (lambda w: w.done({"steps": 3}), lambda w: w.error("bad_config", "No.", "Fix it."),
                lambda w: w.relay({"v": 1, "type": "done", "payload": {}})):
        stream = io.StringIO()
        writer = ProtocolWriter(stream)
        writer.emit("heartbeat", step=2, phase="train", idle_s=0.0)
        end(writer)
        writer.emit("heartbeat", step=3, phase="output", idle_s=0.0)
        writer.relay({"v": 1, "type": "metrics", "step": 4})
        writer.error("internal", "Late.", "None.")
        types = [json.loads(line)["type"] for line in stream.getvalue().splitlines()]
        assert types[0] == "heartbeat" and types[-1] in ("done", "error") and len(types) == 2, types
    assert "after the final line, not sent" in capsys.readouterr().err


def test_doctor_reports_environment_as_json_lines():
    run = run_trainer("doctor", timeout=60)  # a timeout, not a timed assertion: it took 11 s on a loaded machine
    assert run.returncode == 0, run.stderr
    assert [line["type"] for line in run.lines] == ["hello", "done"]

    hello = run.lines[0]
    assert hello["command"] == "doctor"
    assert set(hello["versions"]) >= {"python", "torch", "transformers"}
    assert hello["device"]["kind"] in {"cpu", "cuda", "rocm", "mps"}
    assert "ram_total_bytes" in hello["memory"]

    payload = run.lines[1]["payload"]
    for key in ("python", "torch", "transformers", "peft", "cuda_available", "cuda_version", "gpus", "platform"):
        assert key in payload, key
    assert isinstance(payload["cuda_available"], bool)
    assert payload["torch"] and payload["transformers"] and payload["peft"]
    for gpu in payload["gpus"]:
        assert set(gpu) == {"name", "vram_bytes", "kind"}
        assert gpu["kind"] in {"cuda", "rocm", "mps"}
    assert payload["cuda_available"] == any(g["kind"] in {"cuda", "rocm"} for g in payload["gpus"])
    assert payload["platform"]["system"]


def test_unknown_command_is_an_error_line():
    assert_error(run_trainer("polish-the-lathe", timeout=30), "bad_arguments")


def test_missing_required_option_is_an_error_line():
    run = run_trainer("make-tiny-model", timeout=30)
    assert run.returncode == 2
    assert "--out" in assert_error(run, "bad_arguments")["message"]


def test_no_command_is_an_error_line():
    assert_error(run_trainer(timeout=30), "bad_arguments")


def test_help_keeps_stdout_clean():
    run = run_trainer("make-tiny-model", "--help", timeout=30)
    assert run.returncode == 0
    assert run.lines == []
    assert "--llama-cpp-src" in run.stderr
