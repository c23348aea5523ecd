#!/bin/sh
# `lathe` inside an offline bundle: the bundled Node runs the compiled CLI; the trainer's Python, the llama.cpp
# converters and the prebuilt llama tools are the bundle's own. Works through symlinks (PREFIX/bin/lathe).
set -e
self=$(readlink -f "$0")
root=$(dirname "$(dirname "$self")")
export LATHE_BUNDLE_DIR="$root"
export LATHE_PYTHON="${LATHE_PYTHON:-$root/python-env/bin/python}"
export LATHE_LLAMA_CPP_BUNDLE="${LATHE_LLAMA_CPP_BUNDLE:-$root/llama.cpp}"
export LATHE_LLAMA_TOOLS_DIR="${LATHE_LLAMA_TOOLS_DIR:-$root/llama-tools}"
export LATHE_DEMO_MODEL_DIR="${LATHE_DEMO_MODEL_DIR:-$root/demo-model}"
# Nothing is fetched or built at run time, and no .pyc is written into the checked bundle.
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONDONTWRITEBYTECODE=1
if [ ! -x "$LATHE_PYTHON" ]; then
  echo "lathe: the trainer's Python environment is missing ($LATHE_PYTHON)." >&2
  echo "  → Run install.sh from the bundle (it creates it from the bundled wheels, offline)." >&2
  exit 1
fi
exec "$root/node/bin/node" "$root/app/src/cli/main.js" "$@"
