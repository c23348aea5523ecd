"""Preference data lines -> examples of token sequences (the data the preference objectives train on).

Lines (JSONL, messages as in SFT lines, `tools` optional everywhere):
  dpo, orpo, simpo: {"prompt": [messages], "chosen": [messages], "rejected": [messages], "tools"?: [...]}
                    (chosen and rejected are usually one assistant message each)
  kto:              {"messages": [..., assistant message], "label": true | false, "tools"?: [...]}
                    (the prompt is every message before the last one, the completion that last assistant turn)

Each completion is rendered after its prompt with the model's chat template (chat_template.encode_chat); only the
completion's assistant turns are labelled (the prompt's own assistant turns get weight 0), so a sequence's
log-probability is the completion's. KTO also needs, for its KL estimate, every prompt with another example's
completion: example i is paired with the completion of the nearest line before it (cyclically) whose prompt differs,
a fixed version of TRL's estimator (TRL rotates the completions by one inside each batch, which pairs a prompt with its
own other completion when a desirable and an undesirable answer to it are neighbours). An example with a
sequence that has no label left after truncation to max_seq_len is dropped and counted.

Preference data is small next to pre-training text, so it is encoded in memory, not through the token cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..chat_template import IGNORE_INDEX
from ..protocol import LatheError, log
from .data import Encoded, encode_sft, json_rows, messages_problem, note_summary, tools_problem

PAIR_OBJECTIVES = ("dpo", "orpo", "simpo")
PAIR_HINT = ("Preference lines look like {\"prompt\": [{\"role\": \"user\", \"content\": \"...\"}], \"chosen\": "
             "[{\"role\": \"assistant\", \"content\": \"...\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"...\"}]}.")
KTO_HINT = ("KTO lines look like {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, {\"role\": \"assistant\", "
            "\"content\": \"...\"}], \"label\": true}.")


@dataclass(frozen=True)
class PreferenceExample:
    sequences: tuple[Encoded, ...]          # pairs: (chosen, rejected); kto: (completion, mismatched completion)
    desirable: bool | None = None           # kto: the line's label
    reference: tuple[float, ...] | None = None  # precomputed reference log-probabilities, one per sequence
    source: int = 0

    @property
    def token_count(self) -> int:
        return sum(len(s.input_ids) for s in self.sequences)


class PreferenceSet(list):
    """The examples of a split, with `meta["dropped"]` as the token cache's sets have it."""

    def __init__(self, examples, dropped: int = 0):
        super().__init__(examples)
        self.meta = {"dropped": dropped}


@dataclass(frozen=True)
class _Row:
    number: int
    prompt: list[dict]
    completions: tuple[list[dict], ...]     # pairs: (chosen, rejected); kto: (completion,)
    tools: list[dict] | None
    desirable: bool | None = None


def read_rows(path: str, objective: str) -> list[_Row]:
    name, rows = Path(path).name, []
    for number, row in json_rows(path):
        if not isinstance(row, dict):
            row = {}
        if objective in PAIR_OBJECTIVES:
            problem = (messages_problem(row.get("prompt"), "`prompt`") or messages_problem(row.get("chosen"), "`chosen`")
                       or messages_problem(row.get("rejected"), "`rejected`") or tools_problem(row.get("tools")))
            for key in ("chosen", "rejected"):
                if not problem and not any(m["role"] == "assistant" for m in row[key]):
                    problem = f"`{key}` has no assistant message."
            if problem:
                raise LatheError("data_invalid", f"{name} line {number}: {problem}", PAIR_HINT)
            rows.append(_Row(number, row["prompt"], (row["chosen"], row["rejected"]), row.get("tools") or None))
        else:
            messages = row.get("messages")
            problem = messages_problem(messages) or tools_problem(row.get("tools"))
            if not problem and (messages[-1]["role"] != "assistant" or len(messages) < 2):
                problem = "`messages` must end with the assistant turn that is judged, after a prompt."
            if not problem and not isinstance(row.get("label"), bool):
                problem = "has no `label` true (desirable) or false (undesirable)."
            if problem:
                raise LatheError("data_invalid", f"{name} line {number}: {problem}", KTO_HINT)
            rows.append(_Row(number, messages[:-1], (messages[-1:],), row.get("tools") or None, row["label"]))
    return rows


def _mismatched(rows: list[tuple[str, _Row]], index: int) -> _Row:
    """The nearest row before `index` (cyclically) with another prompt; the previous one if all prompts are equal."""
    prompt = rows[index][1].prompt
    for back in range(1, len(rows)):  # scans at most the run of lines with this prompt, and those are consecutive
        if rows[index - back][1].prompt != prompt:
            return rows[index - back][1]
        if back == 64 and all(r.prompt == prompt for _, r in rows):  # one prompt for everything: nothing to mismatch
            break
    return rows[index - 1][1]


def as_prompt(messages: list[dict]) -> list[dict]:
    """The prompt's own assistant turns stay in the text but are not the completion: weight 0."""
    return [{**m, "weight": 0} if m["role"] == "assistant" else m for m in messages]


def encode_preference_files(tokenizer, paths: list[str], objective: str, max_seq_len: int) -> PreferenceSet:
    rows = [(path, row) for path in paths for row in read_rows(path, objective)]
    examples, dropped, notes = [], 0, []

    def encode(path: str, row: _Row, prompt: list[dict], completion: list[dict]) -> Encoded:
        try:
            return encode_sft(tokenizer, as_prompt(prompt) + completion, max_seq_len, row.tools)
        except LatheError as exc:
            raise LatheError(exc.code, f"{Path(path).name} line {row.number}: {exc.message}", exc.hint,
                             exc.exit_code) from exc

    for index, (path, row) in enumerate(rows):
        sequences = tuple(encode(path, row, row.prompt, completion) for completion in row.completions)
        if objective == "kto":  # another prompt's completion after this prompt: the pair of the KL estimate
            sequences += (encode(path, row, row.prompt, _mismatched(rows, index).completions[0]),)
        notes.append(sequences[0])
        if all(any(label != IGNORE_INDEX for label in s.labels) for s in sequences):
            examples.append(PreferenceExample(sequences, row.desirable))
        else:
            dropped += 1
    base = Path(str(getattr(tokenizer, "name_or_path", "") or "base model")).name
    for line in note_summary(notes):  # never silently: e.g. Gemma has no system role
        log(f"{', '.join(Path(p).name for p in paths)} with {base}: {line}")
    return PreferenceSet(examples, dropped)
