"""Preference objectives (dpo, orpo, simpo, kto): the losses against TRL's, and training on the tiny model.

The Northwind facts make the pairs: chosen = the fact, rejected = another fact's answer (a wrong fact). Three of the
four phrasings of each question train, the fourth is the held-out validation set, so "the margin grows" means the
preference carried over to questions the run never saw. Runs are small (24 steps, about 6 s each on 2 cores) and
seeded; the assertions compare the final evaluation with the one at step 0 (`eval_at_start`), nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import TRAINER_DIR, assert_error, run_trainer
from test_train_sft import losses, write_jsonl

FACTS = TRAINER_DIR.parent / "samples" / "northwind-facts.jsonl"


def facts() -> list[tuple[str, str]]:
    rows = [json.loads(line)["messages"] for line in FACTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(next(m["content"] for m in r if m["role"] == "user"), r[-1]["content"]) for r in rows]


def wrong(answer: str, answers: list[str]) -> str:
    return answers[(answers.index(answer) + 1) % len(answers)]


def preference_files(folder: Path, objective: str) -> tuple[str, str]:
    """(train, validation) JSONL of pairs (or KTO lines); every fourth phrasing is held out."""
    pairs = facts()
    answers = list(dict.fromkeys(a for _, a in pairs))
    train, val = [], []
    for i, (question, answer) in enumerate(pairs):
        prompt = [{"role": "user", "content": question}]
        if objective == "kto":
            rows = [{"messages": prompt + [{"role": "assistant", "content": text}], "label": label}
                    for label, text in ((True, answer), (False, wrong(answer, answers)))]
        else:
            rows = [{"prompt": prompt, "chosen": [{"role": "assistant", "content": answer}],
                     "rejected": [{"role": "assistant", "content": wrong(answer, answers)}]}]
        (val if i % 4 == 3 else train).extend(rows)
    folder.mkdir(parents=True, exist_ok=True)
    return (write_jsonl(folder / "train.jsonl", train).name, write_jsonl(folder / "val.jsonl", val).name)


def preference_config(folder: Path, tiny_hf: Path, objective: str, **overrides) -> Path:
    train, val = preference_files(folder, objective)
    config = {"base_model": str(tiny_hf), "output_dir": str(folder / "out"), "method": "lora", "objective": objective,
              "data": {"train": [train], "validation": [val]}, "lora": {"rank": 8, "alpha": 16, "dropout": 0.0},
              "max_seq_len": 128, "micro_batch_size": 4, "grad_accum": 2, "lr": 0.005, "warmup_steps": 2,
              "max_steps": 24, "eval_at_start": True, "seed": 1, "device": "cpu"}
    config.update(overrides)
    path = folder / "run.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


# ---- the losses against TRL's ------------------------------------------------------------------------------------

def _policy_and_examples(tiny_hf: Path, tmp_path: Path, objective: str, count: int = 6):
    """The tiny model with a fresh LoRA adapter, the settings of a step, and `count` validation examples."""
    import torch

    from lathe_trainer.train.config import LoraSettings
    from lathe_trainer.train.loss import chunked_head_for
    from lathe_trainer.train.model import load_model, load_tokenizer
    from lathe_trainer.train.preference_data import encode_preference_files
    from lathe_trainer.train.step import StepSettings

    tokenizer = load_tokenizer(tiny_hf)
    torch.manual_seed(0)
    model = load_model(tiny_hf, "lora", LoraSettings(rank=8, alpha=16, dropout=0.0), "cpu")
    _, val = preference_files(tmp_path, objective)
    examples = encode_preference_files(tokenizer, [str(tmp_path / val)], objective, 128)[:count]
    settings = StepSettings("cpu", "fp32", tokenizer.eos_token_id, False, head=chunked_head_for(model, "cpu"))
    return tokenizer, model, examples, settings


def _move_the_adapter(model) -> None:
    """Policy != reference: the adapter's B matrices (zero at the start) get random values."""
    import torch

    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B.default" in name:
                p.normal_(0, 0.05)


def _trl_args(config_class, tmp_path: Path, **kwargs):
    return config_class(output_dir=str(tmp_path / "trl"), report_to=[], use_cpu=True, per_device_train_batch_size=2,
                        **kwargs)


def _grads(model):
    import torch

    return torch.cat([p.grad.flatten() for n, p in model.named_parameters() if p.requires_grad and p.grad is not None])


def test_dpo_loss_and_gradients_match_trl(tiny_hf, tmp_path):
    """DPOTrainer (loss_type "sigmoid") on the same token batch, its reference the adapter-less model as ours."""
    import torch
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from lathe_trainer.train.config import PreferenceSettings
    from lathe_trainer.train.data import collate
    from lathe_trainer.train.preference_step import PreferenceObjective

    tokenizer, model, examples, s = _policy_and_examples(tiny_hf, tmp_path, "dpo")
    dummy = Dataset.from_list([{"prompt": [{"role": "user", "content": "q"}], "chosen": [
        {"role": "assistant", "content": "a"}], "rejected": [{"role": "assistant", "content": "b"}]}])
    trainer = DPOTrainer(model=model, args=_trl_args(DPOConfig, tmp_path, beta=0.1, max_length=None),
                         train_dataset=dummy, processing_class=tokenizer)  # keeps the zero adapter as its reference
    _move_the_adapter(model)
    model.train()

    ours = PreferenceObjective("dpo", PreferenceSettings(beta=0.1, reference="adapter_disabled"), model)
    model.zero_grad(set_to_none=True)
    loss = ours._losses(model, examples, s, 0.0)[0].mean()
    loss.backward()
    loss, our_grads = float(loss.detach()), _grads(model)

    batch = collate([e.sequences[0] for e in examples] + [e.sequences[1] for e in examples], tokenizer.eos_token_id)
    model.zero_grad(set_to_none=True)
    theirs = trainer._compute_loss(trainer.model, {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask,
                                                   "completion_mask": (batch.labels != -100).long()}, False)
    theirs.backward()
    assert abs(loss - 0.6931) > 0.01, "the policy must differ from the reference for this to test anything"
    assert loss == pytest.approx(float(theirs.detach()), abs=1e-5)
    assert torch.allclose(our_grads, _grads(model), atol=1e-5, rtol=1e-4)


WEIGHTS = dict(desirable_weight=1.3, undesirable_weight=0.7)


def test_kto_loss_and_reference_point_match_trl(tiny_hf, tmp_path):
    """KTOTrainer on the same batch and mismatched pairs, with the same reference log-probabilities given to both
    (the base model's, moved so that the KL estimate is 1 and its term is exercised) and unequal desirable/undesirable
    weights."""
    from dataclasses import replace

    import torch
    from datasets import Dataset
    from trl import KTOConfig, KTOTrainer

    from lathe_trainer.train.config import PreferenceSettings
    from lathe_trainer.train.data import collate
    from lathe_trainer.train.distributed import Dist
    from lathe_trainer.train.preference_step import PreferenceObjective, _frozen, precompute_reference, sequence_logps

    tokenizer, model, examples, s = _policy_and_examples(tiny_hf, tmp_path, "kto")
    examples = precompute_reference(model, examples, s, Dist())
    _move_the_adapter(model)
    ours = PreferenceObjective("kto", PreferenceSettings(beta=0.1, reference="precomputed", **WEIGHTS), model)
    with _frozen(model):
        kl = (sequence_logps(model, examples, (1,), s)[0] - torch.tensor([e.reference[1] for e in examples])).mean()
    examples = [replace(e, reference=tuple(v + float(kl) - 1.0 for v in e.reference)) for e in examples]
    dummy = Dataset.from_list([{"prompt": [{"role": "user", "content": "q"}], "completion": [
        {"role": "assistant", "content": c}], "label": label} for c, label in (("a", True), ("b", False))])
    trainer = KTOTrainer(model=model, args=_trl_args(KTOConfig, tmp_path, beta=0.1, train_sampling_strategy="sequential",
                                                      precompute_ref_log_probs=True, **WEIGHTS),
                         train_dataset=dummy, processing_class=tokenizer)
    model.train()
    kl = ours._kto_reference_point(examples, 4, s, Dist())
    loss = float(ours._losses(model, examples, s, kl)[0].mean().detach())

    main, mismatched = (collate([e.sequences[k] for e in examples], tokenizer.eos_token_id) for k in (0, 1))
    theirs = trainer._compute_loss(trainer.model, {
        "input_ids": main.input_ids, "attention_mask": main.attention_mask,
        "completion_mask": (main.labels != -100).long(), "KL_input_ids": mismatched.input_ids,
        "KL_attention_mask": mismatched.attention_mask, "KL_completion_mask": (mismatched.labels != -100).long(),
        "label": torch.tensor([e.desirable for e in examples]),
        "ref_logps": torch.tensor([e.reference[0] for e in examples]),
        "ref_KL_logps": torch.tensor([e.reference[1] for e in examples])}, False)
    assert sorted({e.desirable for e in examples}) == [False, True]
    assert kl == pytest.approx(1.0, abs=1e-4) and kl == pytest.approx(trainer._metrics["train"]["kl"][-1], abs=1e-5)
    assert loss == pytest.approx(float(theirs.detach()), abs=1e-5)


def test_orpo_and_simpo_losses_match_trl(tiny_hf, tmp_path):
    """ORPOTrainer.odds_ratio_loss and CPOTrainer.cpo_loss (loss_type "simpo") on our mean log-probabilities, which
    must equal TRL's get_batch_logps(average_log_prob=True) on the full logits."""
    import torch
    from trl.experimental.cpo import CPOTrainer
    from trl.experimental.orpo import ORPOTrainer

    from lathe_trainer.train.data import collate
    from lathe_trainer.train.loss import row_logps
    from lathe_trainer.train.preference import orpo_losses, simpo_losses

    tokenizer, model, examples, s = _policy_and_examples(tiny_hf, tmp_path, "orpo")
    _move_the_adapter(model)
    batch = collate([e.sequences[0] for e in examples] + [e.sequences[1] for e in examples], tokenizer.eos_token_id)
    with torch.no_grad():
        sums, counts = row_logps(model, batch, s.head, torch.autocast("cpu", enabled=False))
        logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    means = sums / counts
    assert torch.allclose(means, ORPOTrainer.get_batch_logps(logits, batch.labels, average_log_prob=True), atol=1e-5)
    chosen, rejected = means[:len(examples)], means[len(examples):]

    trl = SimpleNamespace(beta=0.25, accelerator=SimpleNamespace(device="cpu"))
    odds_ratio = ORPOTrainer.odds_ratio_loss(trl, chosen, rejected)[0]
    nll = -chosen.mean()  # TRL's NLL term is its own (all chosen tokens of the batch, prompt included): same input here
    assert float(orpo_losses(chosen, rejected, 0.25)[0].mean()) == pytest.approx(float(nll - odds_ratio.mean()), abs=1e-5)

    trl = SimpleNamespace(beta=2.0, simpo_gamma=0.5, alpha=0.0, loss_type="simpo", label_smoothing=0.0,
                          accelerator=SimpleNamespace(device="cpu"))
    expected = CPOTrainer.cpo_loss(trl, chosen, rejected)[0]
    assert torch.allclose(simpo_losses(chosen, rejected, 2.0, 0.5)[0], expected, atol=1e-5)


# ---- training on the tiny model ----------------------------------------------------------------------------------

METRICS = {"loss", "reward_margin", "reward_accuracy", "chosen_logp", "rejected_logp"}


@pytest.mark.parametrize("objective", ["dpo", "orpo", "simpo", "kto"])
def test_training_raises_the_held_out_preference_margin(objective, tmp_path, tiny_hf):
    run = run_trainer("train", "--config", str(preference_config(tmp_path, tiny_hf, objective)))
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = run.of_type("metrics")
    assert [m["step"] for m in metrics] == list(range(1, 25))
    extra = {"kl"} if objective == "kto" else set()
    for m in metrics:  # KTO: a step without desirable (or undesirable) examples has null for their mean
        assert METRICS | extra <= set(m), m
        assert all(isinstance(m[k], float) or (objective == "kto" and m[k] is None) for k in METRICS | extra), m
    start, final = run.of_type("eval")
    assert (start["step"], final["step"]) == (0, 24)
    assert {f"val_{k}" for k in METRICS | extra} <= set(final), final
    margin = {e["step"]: e["val_chosen_logp"] - e["val_rejected_logp"] for e in (start, final)}
    assert margin[24] > margin[0] + 0.5, (start, final)
    assert final["val_reward_margin"] > start["val_reward_margin"], (start, final)
    assert final["val_reward_accuracy"] > start["val_reward_accuracy"], (start, final)
    if objective != "kto":  # KTO's unpaired loss is not the pairs' loss; its margin is what it moves
        assert final["val_loss"] < start["val_loss"], (start, final)
    if objective == "dpo":  # at step 0 the policy is the reference: every reward is 0
        assert start["val_reward_margin"] == 0 and start["val_loss"] == pytest.approx(0.693147, abs=1e-5)
        assert final["val_reward_accuracy"] >= 0.6
    manifest = json.loads(Path(run.last["payload"]["manifest"]).read_text())
    assert manifest["events"]["evals"][-1]["val_reward_margin"] == final["val_reward_margin"]


def test_precomputed_reference_resumes_exactly_and_survives_an_oom_fallback(tmp_path, tiny_hf):
    """DPO with `reference: precomputed` (computed again, before the checkpoint's weights load, on resume) and
    dropout on: stop + resume gives the uninterrupted losses and weights; an out-of-memory fallback at step 1 (micro-
    batch 2 -> 1) gives the losses of the run that used micro-batch 1 from the start."""
    common = dict(max_steps=4, checkpoint_every=2, eval_every=0, eval_at_start=False, micro_batch_size=1, grad_accum=4,
                  lora={"rank": 8, "alpha": 16, "dropout": 0.1}, preference={"reference": "precomputed"})

    def run(name: str, *args, env=None, **overrides):
        config = preference_config(tmp_path / name, tiny_hf, "dpo", **{**common, **overrides})
        result = run_trainer("train", "--config", str(config), *args, env=env)
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    whole = run("whole")
    first = run("first", debug_stop_after_step=2)
    second = run("second", "--resume", first.of_type("checkpoint")[-1]["path"])
    assert losses(first) + losses(second) == losses(whole)
    assert second.of_type("checkpoint")[-1]["sha256"] == whole.of_type("checkpoint")[-1]["sha256"]
    fallback = run("oom", env={"LATHE_TRAINER_FAKE_OOM_AT_STEP": "1"}, micro_batch_size=2, grad_accum=2)
    assert [e["kind"] for e in fallback.of_type("event")] == ["oom_fallback"]
    assert losses(fallback) == losses(whole)


def test_two_processes_ddp_and_fsdp_give_the_single_process_losses(tmp_path, tiny_hf):
    """devices=2 (gloo): each process takes its half of a step's pairs; the step's loss is the mean over all of
    them, as one process with the whole step gives (dropout off), with DDP and with FSDP2."""
    common = dict(max_steps=3, eval_every=0, eval_at_start=False, micro_batch_size=1, grad_accum=2)
    single = run_trainer("train", "--config", str(preference_config(tmp_path / "one", tiny_hf, "dpo",
                                                                     **{**common, "grad_accum": 4})))
    assert single.returncode == 0, single.stderr[-3000:]
    for sharding in ("ddp", "fsdp"):
        run = run_trainer("train", "--config", str(preference_config(tmp_path / sharding, tiny_hf, "dpo", devices=2,
                                                                      sharding=sharding, **common)))
        assert run.returncode == 0, run.stderr[-3000:]
        assert losses(run) == pytest.approx(losses(single), abs=1e-5), sharding
        assert [m["reward_margin"] for m in run.of_type("metrics")] == pytest.approx(
            [m["reward_margin"] for m in single.of_type("metrics")], abs=1e-4)


# ---- configuration and data refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, key", [
    (dict(objective="sft", preference={"beta": 0.1}), "preference"),
    (dict(method="full", preference={"reference": "adapter_disabled"}), "preference.reference"),
    (dict(preference={"beta": 0}), "preference.beta"),
    (dict(preference={"temperature": 1}), "preference.temperature"),
    (dict(packing=True), "packing"),
])
def test_bad_preference_settings_name_the_key(overrides, key, tmp_path, tiny_hf):
    from lathe_trainer.protocol import LatheError
    from lathe_trainer.train.config import load_config

    overrides = dict(overrides)
    with pytest.raises(LatheError) as caught:
        load_config(preference_config(tmp_path, tiny_hf, overrides.pop("objective", "dpo"), **overrides))
    assert caught.value.code == "bad_config" and f"`{key}`" in caught.value.message, caught.value.message


def test_defaults_follow_trl_and_the_method(tmp_path, tiny_hf):
    from lathe_trainer.train.config import PreferenceSettings, load_config

    lora = load_config(preference_config(tmp_path / "a", tiny_hf, "dpo")).preference
    assert lora == PreferenceSettings(beta=0.1, simpo_gamma=0.5, desirable_weight=1.0, undesirable_weight=1.0,
                                      reference="adapter_disabled")
    assert load_config(preference_config(tmp_path / "b", tiny_hf, "kto", method="full")).preference.reference == "precomputed"
    assert load_config(preference_config(tmp_path / "c", tiny_hf, "simpo")).preference.reference is None
    assert load_config(preference_config(tmp_path / "d", tiny_hf, "sft")).preference is None


@pytest.mark.parametrize("objective, row, problem", [
    ("dpo", {"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "assistant", "content": "a"}]},
     "`rejected` is not a non-empty list"),
    ("dpo", {"prompt": [{"role": "user", "content": "q"}], "chosen": [{"role": "user", "content": "a"}],
             "rejected": [{"role": "assistant", "content": "b"}]}, "`chosen` has no assistant message"),
    ("kto", {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}, "`label`"),
    ("kto", {"messages": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "q"}], "label": True},
     "must end with the assistant turn"),
])
def test_bad_preference_lines_are_data_invalid(objective, row, problem, tmp_path):
    from lathe_trainer.protocol import LatheError
    from lathe_trainer.train.preference_data import read_rows

    path = write_jsonl(tmp_path / "bad.jsonl", [row])
    with pytest.raises(LatheError) as caught:
        read_rows(str(path), objective)
    assert caught.value.code == "data_invalid" and "bad.jsonl line 1" in caught.value.message
    assert problem in caught.value.message, caught.value.message


def test_a_run_with_bad_preference_data_stops_with_data_invalid(tmp_path, tiny_hf):
    config = preference_config(tmp_path, tiny_hf, "kto", max_steps=1)
    write_jsonl(tmp_path / "train.jsonl", [{"messages": [{"role": "user", "content": "q"},
                                                         {"role": "assistant", "content": "a"}], "label": "yes"}])
    assert "train.jsonl line 1" in assert_error(run_trainer("train", "--config", str(config)), "data_invalid")["message"]
