"""`python -m lathe_trainer.export merge|compare-logits|reference|render-chat ...`: JSON lines on stdout, like the trainer."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from ..protocol import EXIT_BAD_ARGUMENTS, EXIT_CANCELLED, EXIT_ERROR, Cancelled, LatheError, ProtocolWriter
from .compare import FP32_TOLERANCE, compare_logits
from .merge import DTYPES, merge_adapter
from .reference import TOP_K, reference_logprobs, render_chat


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lathe_trainer.export")
    sub = parser.add_subparsers(dest="command", required=True)
    merge = sub.add_parser("merge", help="fold a PEFT adapter into its base and save safetensors")
    merge.add_argument("--base", required=True, type=Path)
    merge.add_argument("--adapter", required=True, type=Path)
    merge.add_argument("--out", required=True, type=Path)
    merge.add_argument("--dtype", choices=DTYPES, default="auto")
    compare = sub.add_parser("compare-logits", help="compare merged logits with base+adapter")
    compare.add_argument("--base", required=True, type=Path)
    compare.add_argument("--adapter", required=True, type=Path)
    compare.add_argument("--merged", required=True, type=Path)
    compare.add_argument("--prompts", type=str, default=None, help="JSON list of prompts")
    compare.add_argument("--tolerance", type=float, default=FP32_TOLERANCE)
    reference = sub.add_parser("reference", help="next-token log-probabilities of an HF model on a fixed prompt (GGUF checks)")
    reference.add_argument("--model", required=True, type=Path)
    reference.add_argument("--top-k", type=int, default=TOP_K)
    chat = sub.add_parser("render-chat", help="a conversation rendered with the model's own chat template: text and token ids")
    chat.add_argument("--model", required=True, type=Path)
    chat.add_argument("--messages", required=True, type=str, help="JSON list of {role, content}")
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..cli import _install_cancel_handlers
    from ..no_remote_code import install

    install()  # no code that comes with a model loads in this process (see no_remote_code)
    writer = ProtocolWriter.claim_stdout()
    _install_cancel_handlers()
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:
            if exc.code in (0, None):
                return 0
            raise LatheError("bad_arguments", "Bad arguments to lathe_trainer.export.",
                             "Run `python -m lathe_trainer.export --help` for the options.",
                             exit_code=EXIT_BAD_ARGUMENTS) from None
        if args.command == "merge":
            writer.done(merge_adapter(writer, args.base, args.adapter, args.out, args.dtype))
        elif args.command == "render-chat":
            writer.done(render_chat(args.model, json.loads(args.messages)))
        elif args.command == "reference":
            writer.done(reference_logprobs(writer, args.model, args.top_k))
        else:
            prompts = json.loads(args.prompts) if args.prompts else None
            writer.done(compare_logits(writer, args.base, args.adapter, args.merged, prompts, args.tolerance))
        return 0
    except LatheError as exc:
        writer.error(exc.code, exc.message, exc.hint)
        return exc.exit_code
    except Cancelled as exc:
        writer.error("cancelled", f"Stopped by {exc}.", "Start the export again when you are ready; nothing partial was kept.")
        return EXIT_CANCELLED
    except BaseException as exc:  # noqa: BLE001 - every failure becomes an error line
        traceback.print_exc(file=sys.stderr)
        writer.error("internal", f"{type(exc).__name__}: {exc}", "This is a bug in the exporter; report it with the log (stderr).")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
