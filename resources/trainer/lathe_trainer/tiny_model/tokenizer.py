"""The 512-piece sentencepiece BPE tokenizer and the HF tokenizer files written beside the model.

Settings follow Llama's own tokenizer (identity normalisation, byte fallback, split digits) with one
change: no dummy prefix space. llama.cpp adds a space after every special token when a GGUF says
`add_space_prefix`, while transformers does not; with the prefix off, transformers, llama.cpp and this
pre-training all turn "<|im_start|>user\\n..." into the same ids.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from pathlib import Path

from ..protocol import LatheError
from .corpus import CHAT_TEMPLATE, IM_END, IM_START, Documents

VOCAB_SIZE = 512
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
# user_defined_symbols take the ids right after the control tokens, in this order.
IM_START_ID, IM_END_ID = 3, 4
SPECIAL_TOKENS = {UNK_ID: "<unk>", BOS_ID: "<s>", EOS_ID: "</s>", IM_START_ID: IM_START, IM_END_ID: IM_END}

SENTENCEPIECE_OPTIONS = {
    "model_type": "bpe",
    "vocab_size": VOCAB_SIZE,
    "byte_fallback": True,
    "user_defined_symbols": [IM_START, IM_END],
    "normalization_rule_name": "identity",
    "remove_extra_whitespaces": False,
    "add_dummy_prefix": False,
    "split_digits": True,
    "allow_whitespace_only_pieces": True,
    "character_coverage": 1.0,
    "max_sentence_length": 1 << 16,
    "unk_id": UNK_ID, "bos_id": BOS_ID, "eos_id": EOS_ID, "pad_id": -1,
    "hard_vocab_limit": True,
    # One thread and no sampling of the input keep the vocabulary identical between runs.
    "num_threads": 1,
    "input_sentence_size": 0,
    "shuffle_input_sentence": False,
    "minloglevel": 2,
}


def training_lines(docs: Documents) -> list[str]:
    # sentencepiece treats each line as a sentence; newlines themselves become <0x0A> byte pieces.
    lines = []
    for text in docs.prose + docs.conversations:
        lines.extend(line for line in text.split("\n") if line)
    return lines


def train_sentencepiece(docs: Documents, model_path: Path) -> None:
    import sentencepiece as spm

    # model_writer instead of model_prefix: the prefix (a path in the staging folder) would be stored in
    # the model's trainer spec and make two otherwise identical builds differ byte for byte.
    buffer = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(sentence_iterator=iter(training_lines(docs)), model_writer=buffer,
                                       **SENTENCEPIECE_OPTIONS)
    except RuntimeError as exc:
        raise LatheError("corpus_too_small", f"sentencepiece could not build a {VOCAB_SIZE}-piece vocabulary: {exc}",
                         "Add more varied text to the corpus folder.") from exc
    model_path.write_bytes(buffer.getvalue())

    processor = spm.SentencePieceProcessor(model_file=str(model_path))
    for token_id, piece in SPECIAL_TOKENS.items():
        if processor.id_to_piece(token_id) != piece:
            raise RuntimeError(f"sentencepiece put {processor.id_to_piece(token_id)!r} at id {token_id}, not {piece!r}")


def write_hf_tokenizer(sp_model: Path, hf_dir: Path) -> None:
    """tokenizer.model + tokenizer.json + tokenizer_config.json + chat_template.jinja, loadable offline."""
    from transformers import LlamaTokenizer

    with tempfile.TemporaryDirectory(prefix="lathe-tok-") as staging:
        shutil.copyfile(sp_model, Path(staging) / "tokenizer.model")
        tokenizer = LlamaTokenizer.from_pretrained(
            staging, eos_token=IM_END, add_bos_token=True, add_eos_token=False, add_prefix_space=False,
            legacy=False, extra_special_tokens=[IM_START, IM_END], local_files_only=True,
        )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(hf_dir)
    # transformers 5 no longer writes the sentencepiece file; llama.cpp's converter reads its scores.
    shutil.copyfile(sp_model, hf_dir / "tokenizer.model")

    config_path = hf_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    for machine_specific in ("is_local", "local_files_only", "name_or_path"):
        config.pop(machine_specific, None)
    # llama.cpp's converter types a token CONTROL only when it is listed here as special; otherwise
    # <|im_start|> would be split into bytes and <|im_end|> would never end a turn.
    config["added_tokens_decoder"] = {
        str(token_id): {"content": piece, "lstrip": False, "rstrip": False, "normalized": False,
                        "single_word": False, "special": True}
        for token_id, piece in SPECIAL_TOKENS.items()
    }
    config["model_max_length"] = 512
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
