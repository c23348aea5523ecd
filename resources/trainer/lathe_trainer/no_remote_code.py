"""Lathe never runs code that comes with a model.

A Hugging Face folder can name Python classes in ``auto_map`` (config.json, tokenizer_config.json, processor
configs) and ship the .py files beside them; transformers imports those files whenever a caller passes
``trust_remote_code=True`` - and llama.cpp's converter does, for several architectures (Qwen v1, ChatGLM,
DeepSeek, InternLM, Dream, LLaDA, ...). On an offline, audited machine that is arbitrary code from a download.

Two layers, the same in every Python process Lathe starts:

1. ``refuse_custom_code(folder)``: a folder with ``auto_map`` in any config, or any top-level *.py file, is refused
   before anything reads it (``LatheError`` code ``custom_code_refused``). The engine applies the same rule on
   import and before conversion (src/engine/models/hf-folder.ts ``customCodeIn``).
2. ``install()``: transformers' dynamic-module loader is disabled in this process, whatever a caller passes for
   ``trust_remote_code``: ``get_class_from_dynamic_module``, ``get_cached_module_file`` and ``get_class_in_module``
   raise the same refusal, and ``resolve_trust_remote_code`` refuses whenever a folder has remote code. The
   functions' code objects are replaced, so every module that imported them by name is covered too; the patch is
   applied when ``transformers.dynamic_module_utils`` is first imported (an import hook), so installing costs
   nothing in a process that never loads transformers.

``python -m lathe_trainer.no_remote_code [--check DIR]... -- SCRIPT [ARGS...]`` runs a third-party script
(llama.cpp's converters) as ``__main__`` with the guard installed after refusing each ``--check`` folder. A
refusal - even one the script catches and swallows - ends it with exit status 3 and, as its last stderr line,
``custom_code_refused: <message>`` (the engine turns that line into its error).
"""

from __future__ import annotations

import importlib.abc
import json
import os
import sys
from pathlib import Path

from .protocol import LatheError

CODE = "custom_code_refused"
EXIT_REFUSED = 3
HINT = ("Use a model whose architecture transformers supports natively (config.json's model_type, e.g. llama, qwen2, "
        "mistral, gemma, phi3), or review the code and, if the model works without it, delete the auto_map entries and "
        "the .py files from the folder, then try again.")
MAX_CONFIG_JSON_BYTES = 16 * 1024 * 1024
_TARGET = "transformers.dynamic_module_utils"
_LOADERS = ("get_class_from_dynamic_module", "get_cached_module_file", "get_class_in_module")

# Every refusal in this process, for the wrapper: a script may catch the exception, but not undo this list.
refusals: list[str] = []


class CustomCodeRefused(LatheError):
    def __init__(self, found: str, folder: str | os.PathLike | None, outcome: str = "Nothing was loaded."):
        where = f"; in {Path(folder).resolve()}" if folder else ""
        message = (f"This model needs custom Python code from its folder ({found}{where}). Lathe never runs code that "
                   f"comes with a model: it would run unreviewed, with your permissions. {outcome}")
        super().__init__(CODE, message, HINT)
        refusals.append(message)


def _class_refs(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in _class_refs(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _class_refs(v)]
    return []


def describe_custom_code(folder: str | os.PathLike) -> str | None:
    """What in `folder` would make transformers run code from it ("auto_map -> a.B in config.json", "x.py"), or None.

    Same rule as the engine's customCodeIn: every top-level *.json but tokenizer.json and *.index.json is read for an
    ``auto_map``, and every top-level *.py (links included) counts.
    """
    folder = Path(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None  # nothing to read: whoever opens the folder next reports that
    maps, python = [], []
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)  # a link named x.py counts, as transformers would follow it
        except OSError:
            is_dir = False
        if is_dir:
            continue
        lower = name.lower()
        if lower.endswith(".py"):
            python.append(name)
            continue
        if not lower.endswith(".json") or name == "tokenizer.json" or name.endswith(".index.json"):
            continue
        try:
            if entry.stat().st_size > MAX_CONFIG_JSON_BYTES:
                continue
            data = json.loads(Path(entry.path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable JSON is reported by whatever needs the file; it cannot name code either
        auto_map = data.get("auto_map") if isinstance(data, dict) else None
        if auto_map is None:
            continue
        refs = list(dict.fromkeys(_class_refs(auto_map)))
        shown = ", ".join(refs[:4]) + (", ..." if len(refs) > 4 else "") if refs else json.dumps(auto_map)[:80]
        maps.append(f"{shown} in {name}")
    if not maps and not python:
        return None
    parts = []
    if maps:
        parts.append("auto_map → " + "; ".join(sorted(maps)))
    if python:
        parts.append(f"Python file{'s' if len(python) > 1 else ''} " + ", ".join(python[:4]) + (", ..." if len(python) > 4 else ""))
    return "; ".join(parts)


def refuse_custom_code(folder: str | os.PathLike | None, outcome: str = "Nothing was loaded.") -> None:
    """Raises CustomCodeRefused when `folder` carries code (see describe_custom_code)."""
    if folder is None:
        return
    found = describe_custom_code(folder)
    if found:
        raise CustomCodeRefused(found, folder, outcome)


# ---- layer 2: transformers cannot load a dynamic module in this process ---------------------------------------

def _arg(args: tuple, kwargs: dict, index: int, name: str):
    return args[index] if len(args) > index else kwargs.get(name)


def _refuse_load(function: str, args: tuple, kwargs: dict):
    if function == "get_class_from_dynamic_module":
        found, folder = f"auto_map → {_arg(args, kwargs, 0, 'class_reference')}", _arg(args, kwargs, 1, "pretrained_model_name_or_path")
    elif function == "get_cached_module_file":
        found, folder = f"{_arg(args, kwargs, 1, 'module_file')}", _arg(args, kwargs, 0, "pretrained_model_name_or_path")
    else:
        found, folder = f"{_arg(args, kwargs, 0, 'class_name')} from {_arg(args, kwargs, 1, 'module_path')}", None
    folder = folder if isinstance(folder, (str, os.PathLike)) and os.path.isdir(folder) else None
    raise CustomCodeRefused(f"transformers was asked to load {found}", folder)


def _refuse_resolve(args: tuple, kwargs: dict):
    model = _arg(args, kwargs, 1, "model_name")
    if _arg(args, kwargs, 3, "has_remote_code"):
        folder = model if isinstance(model, (str, os.PathLike)) and os.path.isdir(model) else None
        found = (describe_custom_code(folder) if folder else None) or f"auto_map in {model}"
        raise CustomCodeRefused(found, folder)
    return False


def _patch(module) -> None:
    """Replaces the loaders' code in place, so references taken with `from ... import` run the refusal too."""
    if getattr(module, "_lathe_no_remote_code", False):
        return
    module.__dict__["_lathe_refuse_load"] = _refuse_load
    module.__dict__["_lathe_refuse_resolve"] = _refuse_resolve
    stubs = {name: f"def {name}(*args, **kwargs):\n    return _lathe_refuse_load({name!r}, args, kwargs)\n" for name in _LOADERS}
    stubs["resolve_trust_remote_code"] = ("def resolve_trust_remote_code(*args, **kwargs):\n"
                                          "    return _lathe_refuse_resolve(args, kwargs)\n")
    for name, source in stubs.items():
        namespace: dict = {}
        exec(compile(source, f"<lathe no_remote_code {name}>", "exec"), module.__dict__, namespace)  # noqa: S102
        stub = namespace[name]
        original = getattr(module, name, None)
        if original is None:
            continue  # gone in this transformers version: nothing to call
        try:
            original.__code__ = stub.__code__
            original.__defaults__ = None
            original.__kwdefaults__ = None
        except (AttributeError, TypeError, ValueError):
            setattr(module, name, stub)  # a wrapped function (closure): at least every lookup through the module
    module._lathe_no_remote_code = True


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        _patch(module)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None:
            spec.loader = _PatchingLoader(spec.loader)
        return spec


def install() -> None:
    """From now on no dynamic module loads in this process (patched now or when transformers first loads it)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    module = sys.modules.get(_TARGET)
    if module is not None:
        _patch(module)
    if not any(isinstance(f, _PatchOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())


def _usage() -> int:
    print("usage: python -m lathe_trainer.no_remote_code [--check DIR]... -- SCRIPT [ARGS...]", file=sys.stderr)
    return 2


def _refused_exit(message: str) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    print(f"{CODE}: {message}", file=sys.stderr, flush=True)
    return EXIT_REFUSED


def main(argv: list[str]) -> int:
    """Runs SCRIPT as __main__ under the guard; see the module docstring."""
    import runpy

    if "--" not in argv:
        return _usage()
    split = argv.index("--")
    options, rest = argv[:split], argv[split + 1:]
    if not rest or len(options) % 2 or any(flag != "--check" for flag in options[::2]):
        return _usage()
    try:
        for folder in options[1::2]:
            refuse_custom_code(folder, "Nothing was run.")
    except CustomCodeRefused as exc:
        return _refused_exit(exc.message)
    install()
    script = str(Path(rest[0]).resolve())
    sys.argv = [script, *rest[1:]]
    sys.path[0] = str(Path(script).parent)  # as `python SCRIPT` would have it (the converter imports its siblings)
    status: int = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    except CustomCodeRefused:
        pass  # reported below
    except BaseException:  # noqa: BLE001 - the script's own failure: its traceback, its status
        if not refusals:
            raise
    if refusals:
        return _refused_exit(refusals[0])
    return status


if __name__ == "__main__":
    from lathe_trainer.no_remote_code import main as _main  # the package's copy, not this __main__ one

    sys.exit(_main(sys.argv[1:]))
