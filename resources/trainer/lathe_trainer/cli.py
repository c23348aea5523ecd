"""Command-line parsing and the one place where every failure becomes an `error` line.

Exit statuses: 0 done, 1 error, 2 bad arguments, 130 cancelled (SIGTERM/SIGINT).
"""

from __future__ import annotations

import argparse
import signal
import sys
import traceback
from pathlib import Path

from .protocol import EXIT_BAD_ARGUMENTS, EXIT_CANCELLED, EXIT_ERROR, Cancelled, LatheError, ProtocolWriter, log


class _Parser(argparse.ArgumentParser):
    # argparse prints usage to stderr and exits on its own; the engine needs an `error` line instead.
    def error(self, message: str):  # type: ignore[override]
        command = " ".join(self.prog.split()[1:])  # "" for the top level, else the subcommand
        usage = f"python -m lathe_trainer {command} --help".replace("  ", " ")
        raise LatheError("bad_arguments", f"{self.prog}: {message}",
                         f"Check the command line; run `{usage}` for the options.", exit_code=EXIT_BAD_ARGUMENTS)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lathe_trainer", description="Lathe trainer (JSON lines on stdout).")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    commands.add_parser("doctor", help="report Python, torch and accelerator facts")

    tiny = commands.add_parser("make-tiny-model", help="build the tiny Llama used by tests, demo and benchmarks")
    tiny.add_argument("--out", required=True, type=Path, help="output folder (holds hf/, tiny.gguf, manifest.json)")
    tiny.add_argument("--seed", type=int, default=0)
    tiny.add_argument("--steps", type=int, default=None, help="pre-training steps (default: the standard build)")
    tiny.add_argument("--corpus", type=Path, default=None, help="folder of .txt files (default: resources/samples/corpus)")
    tiny.add_argument("--llama-cpp-src", type=Path, default=None,
                      help="llama.cpp git bundle or source folder (default: node-llama-cpp's gitRelease.bundle)")
    tiny.add_argument("--outtype", choices=("f16", "f32"), default="f16", help="GGUF tensor type")
    tiny.add_argument("--no-gguf", action="store_true", help="skip the GGUF conversion (tests of the HF side)")

    train = commands.add_parser("train", help="fine-tune a model (LoRA, QLoRA or full; SFT or continued pre-training)")
    train.add_argument("--config", required=True, type=Path, help="run.json (see README: `train`)")
    train.add_argument("--resume", type=Path, default=None, help="a checkpoints/step-N folder of the same run to continue")

    ppl = commands.add_parser("perplexity", help="held-out loss and perplexity of a model (+ adapter) on JSONL text")
    ppl.add_argument("--config", required=True, type=Path, help="ppl.json (see lathe_trainer/perplexity.py)")

    greedy = commands.add_parser("greedy-eval", help="greedy answers of a base model and base + adapter, scored by exact match")
    greedy.add_argument("--config", required=True, type=Path, help="greedy.json (see lathe_trainer/greedy_eval.py)")
    return parser


def _install_cancel_handlers() -> None:
    def _cancel(signum, _frame):
        raise Cancelled(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, _cancel)
    signal.signal(signal.SIGINT, _cancel)


def _dispatch(args: argparse.Namespace, writer: ProtocolWriter) -> int | None:
    if args.command == "doctor":
        from .doctor import run_doctor
        run_doctor(writer)
    elif args.command == "make-tiny-model":
        from .tiny_model.build import BuildRequest, make_tiny_model
        if args.steps is not None and args.steps < 1:
            raise LatheError("bad_arguments", "--steps must be at least 1.", "Pass a positive --steps or leave it out.",
                             exit_code=EXIT_BAD_ARGUMENTS)
        make_tiny_model(writer, BuildRequest(
            out=args.out, seed=args.seed, steps=args.steps, corpus=args.corpus,
            llama_cpp_src=args.llama_cpp_src, outtype=args.outtype, gguf=not args.no_gguf,
        ))
    elif args.command == "train":
        from .train.loop import run_training
        return run_training(writer, args.config, args.resume)  # an exit status when torchrun ran the workers
    elif args.command == "perplexity":
        from .perplexity import run_perplexity
        writer.done(run_perplexity(writer, args.config))
    elif args.command == "greedy-eval":
        from .greedy_eval import run_greedy_eval
        writer.done(run_greedy_eval(writer, args.config))
    else:
        raise LatheError("bad_arguments", "No command given.",
                         "Run `python -m lathe_trainer doctor` or `make-tiny-model --out DIR`.",
                         exit_code=EXIT_BAD_ARGUMENTS)


def main(argv: list[str] | None = None) -> int:
    from .no_remote_code import install

    install()  # no code that comes with a model loads in this process, whatever a library passes (see no_remote_code)
    writer = ProtocolWriter.claim_stdout()
    _install_cancel_handlers()
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args, writer) or 0
    except LatheError as exc:
        log(f"error {exc.code}: {exc.message}")
        writer.error(exc.code, exc.message, exc.hint)
        return exc.exit_code
    except Cancelled as exc:
        writer.error("cancelled", f"Stopped by {exc}.", "Start the command again when you are ready; nothing partial was kept.")
        return EXIT_CANCELLED
    except SystemExit as exc:
        # `--help` exits 0 after printing help (to stderr, since stdout is claimed); keep that behaviour.
        if exc.code in (0, None):
            return 0
        writer.error("internal", f"Exited with status {exc.code}.", "Report this with the trainer log (stderr).")
        return EXIT_ERROR
    except MemoryError:
        writer.error("out_of_memory", "The trainer ran out of memory.",
                     "Close other programs or choose a smaller model, batch size or sequence length.")
        return EXIT_ERROR
    except BaseException as exc:  # noqa: BLE001 - the last line of defence: every failure becomes an error line
        traceback.print_exc(file=sys.stderr)
        writer.error("internal", f"{type(exc).__name__}: {exc}",
                     "This is a bug in the trainer; report it with the trainer log (stderr).")
        return EXIT_ERROR
