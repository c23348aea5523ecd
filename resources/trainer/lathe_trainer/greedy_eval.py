"""`python -m lathe_trainer greedy-eval --config greedy.json`: greedy answers of a base model and of base + adapter.

greedy.json: {"model": HF folder, "adapter": PEFT folder, "data": JSONL of {"messages": [...]} rows, "max_new_tokens":
int (default 24), "device": auto|cpu|cuda, "max_questions": int | null}.

Each row's conversation up to its last assistant turn is the prompt, rendered and tokenised exactly as training
renders it (so a tuned model is asked the way it was taught); that assistant turn is the reference. Both models
answer greedily (no sampling: the same weights give the same answer) and an answer counts as exact when it equals the
reference after SQuAD-style normalisation (case, punctuation, the articles a/an/the, spaces). The adapter is the
run's own output, applied with peft on the same base weights: no conversion between training and this check.
"""

from __future__ import annotations

import re
import string
import time
from dataclasses import dataclass
from pathlib import Path

from . import environment
from .command_config import choice, jsonl_rows, positive_ints, read_config
from .chat_template import encode_prompt, end_of_turn
from .no_remote_code import refuse_custom_code
from .protocol import LatheError, ProtocolWriter, log
from .train.model import check_base_folder, load_tokenizer, pick_device


@dataclass(frozen=True)
class GreedyConfig:
    model: Path
    adapter: Path
    data: Path
    max_new_tokens: int = 24
    device: str = "auto"
    max_questions: int | None = None


def load_greedy_config(path: Path) -> GreedyConfig:
    raw = read_config(path, "greedy.json")
    for key, what in (("model", "a Hugging Face model folder"), ("adapter", "the run's adapter folder"), ("data", "a JSONL file of chat rows")):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise LatheError("config_invalid", f"greedy.json has no `{key}`.", f"Set `{key}` to {what}.")
    ints = positive_ints(raw, {"max_new_tokens": 24, "max_questions": None})
    return GreedyConfig(model=Path(raw["model"]), adapter=Path(raw["adapter"]), data=Path(raw["data"]),
                        device=choice(raw, "device", ("auto", "cpu", "cuda"), "greedy.json"), **ints)


def normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def strip_reasoning(answer: str) -> str:
    """The answer without a leading reasoning block (<think>...</think>, as Qwen 3 writes even when it is empty)."""
    return re.sub(r"^\s*<think>.*?</think>", "", answer, count=1, flags=re.DOTALL).strip()


def read_questions(path: Path, limit: int | None) -> list[tuple[list[dict], str]]:
    """(prompt messages, reference answer) per row; a row without an assistant turn to compare with is an error."""
    out: list[tuple[list[dict], str]] = []
    for number, row in jsonl_rows(path, "Write the held-out rows again."):
        messages = row.get("messages") if isinstance(row, dict) else None
        last = max((i for i, m in enumerate(messages or []) if isinstance(m, dict) and m.get("role") == "assistant"), default=None)
        if last is None or not isinstance(messages[last].get("content"), str):
            raise LatheError("data_invalid", f"{path.name} line {number} has no assistant turn to compare an answer with.",
                             "Rows look like {\"messages\": [{\"role\": \"user\", ...}, {\"role\": \"assistant\", \"content\": \"the reference\"}]}.")
        out.append((messages[: last + 1], messages[last]["content"]))
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise LatheError("data_empty", f"{path.name} holds no questions.", "Hold out some examples as the test split.")
    return out


def _answers(model, tokenizer, encoded: list[list[int]], questions, stop_ids: list[int], c: GreedyConfig, device: str,
             writer: ProtocolWriter, stage: str, label: str) -> list[dict]:
    import torch

    out = []
    for i, (ids, (messages, reference)) in enumerate(zip(encoded, questions)):
        input_ids = torch.tensor([ids], device=device)
        with torch.no_grad():
            generated = model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                       max_new_tokens=c.max_new_tokens, do_sample=False, eos_token_id=stop_ids,
                                       pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stop_ids[0])
        answer = strip_reasoning(tokenizer.decode(generated[0, len(ids):], skip_special_tokens=True))
        question = next((m["content"] for m in reversed(messages[:-1]) if m.get("role") == "user"), "")
        out.append({"question": question, "answer": answer, "reference": reference, "exact": normalise(answer) == normalise(reference)})
        writer.progress(stage, (i + 1) / len(encoded), f"{label}: question {i + 1}/{len(encoded)}")
    return out


def run_greedy_eval(writer: ProtocolWriter, config_path: Path) -> dict:
    # Bad config or data fails here, before hello and before the torch import.
    c = load_greedy_config(config_path)
    refuse_custom_code(c.model)
    refuse_custom_code(c.adapter)
    check_base_folder(c.model)
    if not (c.adapter / "adapter_config.json").is_file():
        raise LatheError("not_an_adapter", f"{c.adapter} has no adapter_config.json.",
                         "Pick the adapter folder a training run wrote (adapter_config.json + adapter_model.safetensors).")
    questions = read_questions(c.data, c.max_questions)
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    started = time.monotonic()
    device = pick_device(c.device)
    gpus, _ = environment.probe_gpus(torch)
    writer.hello("greedy-eval", environment.versions(),
                 environment.best_device(gpus) if device.startswith("cuda") else environment.cpu_device(), environment.memory())
    writer.progress("load", 0.0, "Loading the model")
    tokenizer = load_tokenizer(c.model)
    encoded, notes = [], []
    for i, (messages, _) in enumerate(questions):
        try:
            prompt = encode_prompt(tokenizer, messages)
        except LatheError as exc:
            raise LatheError(exc.code, f"Question {i + 1}: {exc.message}", exc.hint, exc.exit_code) from exc
        encoded.append(prompt.input_ids)
        notes.extend(prompt.notes)
    for note in dict.fromkeys(notes):
        log(f"greedy-eval: {note} in {notes.count(note)} question(s)")
    # Stop at the end of the reply as the template closes it (<|eot_id|>, <|im_end|>, <end_of_turn> ...) or at EOS.
    turn_end = end_of_turn(tokenizer)
    stop_ids = list(dict.fromkeys([tokenizer.eos_token_id] + ([tokenizer.convert_tokens_to_ids(turn_end)] if turn_end else [])))
    torch.manual_seed(0)
    dtype = torch.bfloat16 if device.startswith("cuda") and torch.cuda.is_bf16_supported() else torch.float32
    model = AutoModelForCausalLM.from_pretrained(c.model, dtype=dtype, local_files_only=True, use_safetensors=True,
                                                 trust_remote_code=False).to(device).eval()
    base = _answers(model, tokenizer, encoded, questions, stop_ids, c, device, writer, "base", "Base model")
    tuned_model = PeftModel.from_pretrained(model, c.adapter, is_trainable=False, local_files_only=True).eval()
    tuned = _answers(tuned_model, tokenizer, encoded, questions, stop_ids, c, device, writer, "tuned", "Tuned model")
    seconds = time.monotonic() - started
    exact = lambda xs: sum(1 for x in xs if x["exact"])  # noqa: E731
    log(f"greedy-eval: {len(questions)} questions, exact base {exact(base)} tuned {exact(tuned)}, {seconds:.1f}s on {device}")
    return {"base": base, "tuned": tuned, "base_exact": exact(base), "tuned_exact": exact(tuned), "questions": len(questions),
            "seconds": round(seconds, 3), "device": device}
