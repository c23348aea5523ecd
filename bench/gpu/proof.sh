#!/usr/bin/env bash
# The GPU proof (issue 13): bash bench/gpu/proof.sh [--dry-run] [--only throughput|fp16|qlora]. See proof.py.
# Python: $PYTHON, else the project's .venv, else python3 (a GPU box's own torch + transformers + peft).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
exec "$PY" bench/gpu/proof.py "$@"
