"""Entry point: `python -m lathe_trainer <command> [options]`."""

import os

# Before anything imports huggingface_hub/transformers: Lathe never talks to a model hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from .cli import main  # noqa: E402 - the environment above must be set first

if __name__ == "__main__":
    raise SystemExit(main())
