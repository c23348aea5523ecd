"""The reference a GGUF is checked against: the HF model's own next-token log-probabilities on a fixed prompt.

A conversion can break the weights (a transposed or mis-mapped tensor, a wrong RoPE or norm setting), the
vocabulary or the metadata; it cannot be judged by whether the converted model chooses to say something (a
model trained to stop at once answers with end-of-sequence, correctly). So the exporter computes, for every
position of a fixed conversation rendered with the model's own chat template, the top-K next-token
log-probabilities in the HF model, and the engine asks llama.cpp for the same token ids' log-probabilities in
each GGUF. The token ids are fed to both as they are, so the comparison is of the networks alone; the text is
also returned so the engine can check that the GGUF's tokenizer gives the same ids.
"""

from __future__ import annotations

from pathlib import Path

from ..chat_template import encode_text
from ..no_remote_code import refuse_custom_code
from ..protocol import LatheError, ProtocolWriter

# A short conversation with ordinary words, digits and punctuation: every position is scored.
PROMPT = "Hello! In one sentence, what should a field crew check before working on line 42?"
TOP_K = 16


def _ids(encoded) -> list[int]:
    """apply_chat_template(tokenize=True) returns a list, a BatchEncoding or a dict depending on the version."""
    if hasattr(encoded, "keys") and "input_ids" in encoded.keys():
        encoded = encoded["input_ids"]
    if hasattr(encoded, "tolist"):
        encoded = encoded.tolist()
    if encoded and isinstance(encoded[0], list):
        encoded = encoded[0]
    return [int(i) for i in encoded]


def render_prompt(tokenizer) -> tuple[str, list[int]]:
    """The prompt as the model sees it at inference: its chat template with a generation prompt, when it has one."""
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": PROMPT}]
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return text, _ids(tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=True))
    # Plain text: one BOS where the tokenizer uses one (the trainer's own rule), written into the text as well so
    # llama.cpp, which tokenises the text with special tokens parsed and adds nothing, sees the same ids.
    ids = encode_text(tokenizer, PROMPT)
    starts_with_bos = bool(ids) and ids[0] == tokenizer.bos_token_id and bool(tokenizer.bos_token)
    return (tokenizer.bos_token + PROMPT) if starts_with_bos else PROMPT, ids


def render_chat(model_dir: Path, messages: list[dict], add_generation_prompt: bool = True) -> dict:
    """A conversation as transformers renders it with the model's own template: the text and the token ids."""
    refuse_custom_code(model_dir)  # before transformers is even imported
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
    if not getattr(tokenizer, "chat_template", None):
        raise LatheError("no_chat_template", f"{model_dir} has no chat template.", "Pick a model folder whose tokenizer has one.")
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
    ids = _ids(tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=add_generation_prompt))
    return {"text": text, "tokens": ids}


def _reference_dtype(parameters: int):
    """fp32 when it fits comfortably in free memory (the reference should carry no rounding of its own)."""
    import torch

    try:
        import psutil

        free = psutil.virtual_memory().available
    except Exception:  # noqa: BLE001 - psutil missing: assume it fits
        free = 1 << 62
    return (torch.float32, "float32") if parameters * 4 < free * 0.6 else (torch.bfloat16, "bfloat16")


def reference_logprobs(writer: ProtocolWriter, model_dir: Path, top_k: int = TOP_K) -> dict:
    if not (model_dir / "config.json").is_file():
        raise LatheError("not_found", f"{model_dir} is not a Hugging Face model folder (no config.json).",
                         "Pass the folder the GGUF was converted from.")
    refuse_custom_code(model_dir)  # before torch and transformers are even imported
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    writer.progress("reference", 0.05, "Reading the source model's config and tokenizer")
    config = AutoConfig.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
    text, ids = render_prompt(tokenizer)
    if len(ids) < 2:
        raise LatheError("prompt_too_short", "The reference prompt tokenised to fewer than 2 tokens.",
                         "The tokenizer looks broken; check tokenizer.json in the model folder.")
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    weights = sum(p.stat().st_size for p in model_dir.glob("*.safetensors"))
    dtype, dtype_name = _reference_dtype(weights // 2)
    writer.progress("reference", 0.2, f"Loading the source model ({dtype_name})")
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, local_files_only=True, use_safetensors=True,
                                                 trust_remote_code=False)
    model.eval()
    parameters = sum(p.numel() for p in model.parameters())
    writer.progress("reference", 0.6, f"Scoring {len(ids)} positions")
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    k = min(top_k, logprobs.shape[-1])
    top = torch.topk(logprobs, k, dim=-1)
    positions = [{"index": i, "top": [[int(t), float(v)] for t, v in zip(top.indices[i].tolist(), top.values[i].tolist())]}
                 for i in range(len(ids))]
    writer.progress("reference", 1.0, "Reference ready")
    return {
        "text": text,
        "tokens": ids,
        "positions": positions,
        "dtype": dtype_name,
        "parameters": int(parameters),
        "config": {
            "layers": getattr(text_config, "num_hidden_layers", None),
            "hidden": getattr(text_config, "hidden_size", None),
            "vocab": getattr(text_config, "vocab_size", None),
            "tokenizer_vocab": len(tokenizer),
        },
    }
