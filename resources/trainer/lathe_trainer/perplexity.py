"""`python -m lathe_trainer perplexity --config ppl.json`: held-out loss and perplexity on domain text.

ppl.json: {"model": HF folder, "adapter": PEFT folder | null, "data": [JSONL paths], "max_seq_len": int | null
(default: the model's context), "stride": int | null (default: half the window), "device": auto|cpu|cuda,
"precision": auto|fp32|bf16|fp16, "max_documents": int | null}.

A row is {"text": "..."} (every token is scored) or {"messages": [...]} (rendered with the model's own chat
template; only assistant tokens are scored, as in SFT). The mean is token-weighted over all documents, so a
long document counts for what it holds. Documents longer than the window are scored with a sliding window:
each token is scored exactly once, with up to `max_seq_len - stride` tokens of earlier context carried over,
the usual way to approximate full-context perplexity for a fixed-context model.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from . import environment
from .command_config import choice, jsonl_rows, positive_ints, read_config
from .hashing import sha256_file
from .no_remote_code import refuse_custom_code
from .protocol import LatheError, ProtocolWriter, log
from .chat_template import IGNORE_INDEX, encode_chat, encode_text
from .train.model import autocast_for, check_base_folder, load_tokenizer, pick_device, resolve_precision


@dataclass(frozen=True)
class PplConfig:
    model: Path
    adapter: Path | None
    data: list[Path]
    max_seq_len: int | None = None
    stride: int | None = None
    device: str = "auto"
    precision: str = "auto"
    max_documents: int | None = None


def load_ppl_config(path: Path) -> PplConfig:
    raw = read_config(path, "ppl.json")
    if not isinstance(raw.get("model"), str):
        raise LatheError("config_invalid", "ppl.json has no `model` folder.", "Set `model` to a Hugging Face model folder.")
    data = raw.get("data")
    if not isinstance(data, list) or not data or not all(isinstance(p, str) for p in data):
        raise LatheError("config_invalid", "ppl.json has no `data` list of JSONL files.", "Set `data` to a list of JSONL paths.")
    ints = positive_ints(raw, {"max_seq_len": None, "stride": None, "max_documents": None})
    device = choice(raw, "device", ("auto", "cpu", "cuda"), "ppl.json")
    precision = choice(raw, "precision", ("auto", "fp32", "bf16", "fp16"), "ppl.json")
    adapter = raw.get("adapter")
    return PplConfig(model=Path(raw["model"]), adapter=Path(adapter) if isinstance(adapter, str) else None,
                     data=[Path(p) for p in data], device=device, precision=precision, **ints)


def read_documents(paths: list[Path], limit: int | None) -> list[dict]:
    """[{"text": str} | {"messages": list}] in file order; a bad line names its file and line number."""
    docs: list[dict] = []
    for path in paths:
        for number, row in jsonl_rows(path, "Materialise the dataset version again."):
            if isinstance(row, dict) and isinstance(row.get("text"), str):
                docs.append({"text": row["text"]})
            elif isinstance(row, dict) and isinstance(row.get("messages"), list):
                docs.append({"messages": row["messages"]})
            else:
                raise LatheError("data_invalid", f"{path.name} line {number} has neither `text` nor `messages`.",
                                 "Rows look like {\"text\": \"...\"} or {\"messages\": [...]}.")
            if limit is not None and len(docs) >= limit:
                return docs
    return docs


def encode_document(tokenizer, doc: dict, notes: list[str] | None = None) -> tuple[list[int], list[int]]:
    """Token ids and labels (IGNORE_INDEX where a token is not scored), tokenised exactly as training does:
    text with one BOS where the tokenizer uses one, chats as the chat template renders them (no second BOS),
    scoring the assistant turns' content and end-of-turn tokens. What rendering changed is added to `notes`."""
    if "text" in doc:
        ids = encode_text(tokenizer, doc["text"]) + [tokenizer.eos_token_id]
        return ids, list(ids)
    from .train.data import messages_problem, tools_problem  # the SFT line format: tools, tool calls, weights

    problem = messages_problem(doc["messages"]) or tools_problem(doc.get("tools"))
    if problem:
        raise LatheError("data_invalid", f"A chat row: {problem}",
                         "Chat rows look like {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, ...]}.")
    chat = encode_chat(tokenizer, doc["messages"], doc.get("tools") or None)
    if notes is not None:
        notes.extend(chat.notes)
    return chat.input_ids, chat.labels


def windows(n: int, max_len: int, stride: int) -> list[tuple[int, int, int]]:
    """(begin, end, first scored position) per window; every position 1..n-1 is scored exactly once."""
    out, scored_to = [], 1  # position 0 has nothing before it to predict it from
    begin = 0
    while scored_to < n:
        end = min(begin + max_len, n)
        out.append((begin, end, scored_to))
        scored_to = end
        if end == n:
            break
        begin = max(begin + stride, end - max_len + 1)
        begin = min(begin, end - 1)  # at least one token of context for the next window's first target
    return out


def score_document(model, ids: list[int], labels: list[int], max_len: int, stride: int, device: str, precision: str) -> tuple[float, int]:
    """(sum of token NLLs in nats, number of scored tokens)."""
    import torch

    total, count = 0.0, 0
    for begin, end, first in windows(len(ids), max_len, stride):
        input_ids = torch.tensor([ids[begin:end]], device=device)
        target = torch.tensor(labels[begin:end], device=device)
        target[: first - begin] = IGNORE_INDEX  # context carried from the previous window is not scored again
        with torch.no_grad(), autocast_for(device, precision):
            logits = model(input_ids=input_ids).logits[0].float()
        shifted = target[1:]
        scored = int((shifted != IGNORE_INDEX).sum().item())
        if scored:
            total += torch.nn.functional.cross_entropy(logits[:-1], shifted, ignore_index=IGNORE_INDEX, reduction="sum").item()
            count += scored
    return total, count


def load_model(c: PplConfig, device: str, precision: str):
    import torch
    from transformers import AutoModelForCausalLM

    check_base_folder(c.model)
    refuse_custom_code(c.adapter)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32) if device.startswith("cuda") else torch.float32
    model = AutoModelForCausalLM.from_pretrained(c.model, dtype=dtype, local_files_only=True, use_safetensors=True,
                                                 trust_remote_code=False)
    if c.adapter is not None:
        if not (c.adapter / "adapter_config.json").is_file():
            raise LatheError("not_an_adapter", f"{c.adapter} has no adapter_config.json.",
                             "Pick the adapter folder a training run wrote (adapter_config.json + adapter_model.safetensors).")
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, c.adapter, is_trainable=False, local_files_only=True)
    model.to(device)
    model.eval()
    return model


def run_perplexity(writer: ProtocolWriter, config_path: Path) -> dict:
    # Bad config or data fails here, before hello and before the 2-5 s torch import, like bad arguments.
    c = load_ppl_config(config_path)
    refuse_custom_code(c.model)  # a model or adapter that asks to run its own code (see no_remote_code)
    refuse_custom_code(c.adapter)
    docs = read_documents(c.data, c.max_documents)
    if not docs:
        raise LatheError("data_empty", "The held-out data has no documents.", "Pick a dataset version or split that has examples.")
    import torch

    started = time.monotonic()
    device = pick_device(c.device)
    precision = resolve_precision(c.precision, device)
    gpus, _ = environment.probe_gpus(torch)
    device_info = environment.best_device(gpus) if device.startswith("cuda") else environment.cpu_device()
    writer.hello("perplexity", environment.versions(), device_info, environment.memory())
    writer.progress("load", 0.0, "Loading the model")
    tokenizer = load_tokenizer(c.model)
    model = load_model(c, device, precision)
    context = int(getattr(model.config, "max_position_embeddings", 0) or 2048)
    max_len = min(c.max_seq_len or context, context)
    if max_len < 2:
        raise LatheError("config_invalid", "`max_seq_len` must be at least 2.", "Raise `max_seq_len`.")
    stride = min(c.stride or max(1, max_len // 2), max_len - 1) if max_len > 1 else 1
    per_doc, total_nll, total_tokens, notes = [], 0.0, 0, []
    for i, doc in enumerate(docs):
        try:
            ids, labels = encode_document(tokenizer, doc, notes)
        except LatheError as exc:
            raise LatheError(exc.code, f"Held-out document {i + 1}: {exc.message}", exc.hint, exc.exit_code) from exc
        nll, n = score_document(model, ids, labels, max_len, stride, device, precision)
        total_nll += nll
        total_tokens += n
        loss = nll / n if n else None
        per_doc.append({"index": i, "tokens": n, "loss": loss, "ppl": math.exp(loss) if loss is not None else None})
        writer.progress("score", (i + 1) / len(docs), f"Document {i + 1}/{len(docs)}")
    if total_tokens == 0:
        raise LatheError("data_empty", "No token in the held-out data could be scored.",
                         "Use text rows, or chat rows with assistant turns.")
    for note in dict.fromkeys(notes):  # never silently (e.g. Gemma has no system role)
        log(f"perplexity: {note} in {notes.count(note)} document(s)")
    loss = total_nll / total_tokens
    seconds = time.monotonic() - started
    log(f"perplexity: {total_tokens} tokens, loss {loss:.4f}, {seconds:.1f}s on {device}")
    return {"tokens": total_tokens, "documents": len(docs), "loss": loss, "ppl": math.exp(loss),
            "max_seq_len": max_len, "stride": stride, "device": device_info | {"torch": device}, "precision": precision,
            "seconds": round(seconds, 3), "per_document": per_doc,
            "adapter_sha256": sha256_file(c.adapter / "adapter_model.safetensors")
            if c.adapter is not None and (c.adapter / "adapter_model.safetensors").is_file() else None}
