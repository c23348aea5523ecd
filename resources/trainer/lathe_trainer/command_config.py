"""The input files of the one-shot commands (perplexity, greedy-eval): their JSON config (ppl.json, greedy.json),
its common fields checked with a `config_invalid` error that names the field, and their JSONL data, read line by line
with a `data_invalid` error that names the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from .protocol import LatheError


def read_config(path: Path, name: str) -> dict:
    """The file's JSON object; `name` (ppl.json) is how messages call it."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LatheError("config_invalid", f"Cannot read {path}: {exc}.", f"Pass a readable {name} (see the trainer README).") from exc
    if not isinstance(raw, dict):
        raise LatheError("config_invalid", f"{name} is not a JSON object.", f"Write {name} as one object (see the trainer README).")
    return raw


def positive_ints(raw: dict, defaults: dict[str, int | None]) -> dict[str, int | None]:
    """Each field of `defaults` as a positive integer, or its default (None: not set) when left out."""
    out = {}
    for key, default in defaults.items():
        value = raw.get(key, default)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise LatheError("config_invalid", f"`{key}` must be a positive integer.", f"Fix `{key}` or leave it out.")
        out[key] = value
    return out


def choice(raw: dict, key: str, choices: tuple[str, ...], name: str) -> str:
    """`raw[key]`, one of `choices` (the first is the default)."""
    value = raw.get(key, choices[0])
    if value not in choices:
        said = ", ".join(choices[:-1]) + f" or {choices[-1]}"
        raise LatheError("config_invalid", f"`{key}` must be {said}.", f"Fix `{key}` in {name}.")
    return value


def jsonl_rows(path: Path, missing_hint: str) -> Iterator[tuple[int, object]]:
    """(line number, parsed JSON) for each non-blank line of `path`, as training reads its data files."""
    from .train.data import json_rows

    if not path.is_file():
        raise LatheError("data_missing", f"The data file {path} does not exist.", missing_hint)
    yield from json_rows(str(path))
