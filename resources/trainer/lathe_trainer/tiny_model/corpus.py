"""Reading the pre-training corpus: a folder of UTF-8 .txt files, one paragraph per blank-line block.

A block whose first line starts with "User:" is a conversation ("User:", "Assistant:", optional
"System:" turns). It is rendered with the ChatML template, so the tiny model learns the chat format
and to end its answer with <|im_end|> - without that a chat in node-llama-cpp would never stop.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..protocol import LatheError

# Below this, sentencepiece cannot find 512 pieces and the model learns nothing useful.
MIN_CORPUS_CHARS = 10_000
ROLE_PREFIXES = {"User:": "user", "Assistant:": "assistant", "System:": "system"}

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"

# The Jinja template stored in tokenizer_config/chat_template.jinja and in the GGUF. `render_chatml`
# below must produce exactly what this template produces.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@dataclass(frozen=True)
class CorpusFile:
    name: str
    sha256: str
    text: str


@dataclass(frozen=True)
class Corpus:
    folder: Path
    files: tuple[CorpusFile, ...]
    sha256: str  # over (name, content hash) of every file, in name order

    @property
    def chars(self) -> int:
        return sum(len(f.text) for f in self.files)


def default_corpus_dir() -> Path:
    # lathe_trainer/tiny_model/corpus.py -> resources/samples/corpus
    return Path(__file__).resolve().parents[3] / "samples" / "corpus"


def load_corpus(folder: Path | None) -> Corpus:
    folder = (folder or default_corpus_dir()).expanduser().resolve()
    if not folder.is_dir():
        raise LatheError("corpus_missing", f"The corpus folder {folder} does not exist.",
                         "Pass --corpus with a folder of .txt files, or restore resources/samples/corpus.")
    files = []
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.glob("*.txt") if p.is_file()):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError as exc:
            raise LatheError("corpus_unreadable", f"{path.name} is not UTF-8 text ({exc.reason}).",
                             "Save the file as UTF-8 or remove it from the corpus folder.") from exc
        file_hash = hashlib.sha256(raw).hexdigest()
        digest.update(path.name.encode("utf-8") + b"\0" + file_hash.encode("ascii") + b"\n")
        files.append(CorpusFile(path.name, file_hash, text))
    corpus = Corpus(folder, tuple(files), digest.hexdigest())
    if not files or corpus.chars < MIN_CORPUS_CHARS:
        raise LatheError("corpus_empty",
                         f"The corpus folder {folder} holds {len(files)} .txt file(s) with {corpus.chars} characters; "
                         f"at least {MIN_CORPUS_CHARS} are needed.",
                         "Put plain-text .txt files (UTF-8) into the corpus folder, or pass --corpus with one that has them.")
    return corpus


def split_blocks(text: str) -> list[str]:
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def parse_conversation(block: str) -> list[dict] | None:
    """[{role, content}] for a "User:/Assistant:" block, or None for ordinary prose."""
    if not block.startswith("User:"):
        return None
    messages: list[dict] = []
    for line in block.split("\n"):
        prefix = next((p for p in ROLE_PREFIXES if line.startswith(p)), None)
        if prefix is not None:
            messages.append({"role": ROLE_PREFIXES[prefix], "content": line[len(prefix):].strip()})
        else:
            messages[-1]["content"] += "\n" + line.strip()
    return messages


def render_chatml(messages: list[dict]) -> str:
    return "".join(f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in messages)


@dataclass(frozen=True)
class Documents:
    prose: list[str]
    conversations: list[str]  # already rendered as ChatML


def documents(corpus: Corpus) -> Documents:
    prose, conversations = [], []
    for corpus_file in corpus.files:
        for block in split_blocks(corpus_file.text):
            messages = parse_conversation(block)
            if messages is None:
                prose.append(block)
            else:
                conversations.append(render_chatml(messages))
    return Documents(prose, conversations)
