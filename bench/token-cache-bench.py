"""Token cache bench (issue 13): tokenising a big continued-pre-training corpus once, with bounded memory.

    .venv/bin/python bench/token-cache-bench.py            # 1 GiB of text
    .venv/bin/python bench/token-cache-bench.py --mb 100   # smaller

Writes a JSONL corpus of the requested size (the bundled sample corpus's lines, shuffled into documents of a
few paragraphs; generated once into the Lathe cache), then in fresh processes, one after the other:
  cold  - train/token_cache.py tokenises it into an empty cache (what a first run does),
  warm  - the same call again: the cache is found and memory-mapped (what a resume or repeat run does),
  plain - (up to --plain-max-mb, default 200) data.encode_files, the in-memory encoding the cache replaced.
It prints wall time and peak RSS (ru_maxrss of the child) of each, and the ratios. Goals: cold peak RSS < 2 GiB
whatever the size; warm >= 20x faster than cold. The tokenizer is a byte-level BPE with Llama 3's template (the
llama3 family fixture).

Measured on the 2-core CI machine, 2026-12-02 (shared with other jobs):
  1 GiB  cold 311 s, peak RSS 771 MiB (351M tokens, 171,620 blocks of 2048) · warm 0.91 s, 619 MiB → 344x
         cache 1,677 MiB on disk (5.0 bytes/token). Goals: PASS, PASS.
  50 MiB cold 23 s / 747 MiB · warm 0.04 s · in-memory encode_files 41 s / 2,382 MiB (3.2x the RSS; at 1 GiB it
         would need ~48 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAINER = ROOT / "resources" / "trainer"
CORPUS = ROOT / "resources" / "samples" / "corpus"


def lathe_cache() -> Path:
    if os.environ.get("LATHE_CACHE_DIR"):
        return Path(os.environ["LATHE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lathe"


def make_corpus(out: Path, megabytes: int) -> Path:
    if out.is_file() and out.stat().st_size >= megabytes * 2**20:
        return out
    lines = [line.strip() for p in sorted(CORPUS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    rng = random.Random(0)
    target, written = megabytes * 2**20, 0
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        while written < target:
            text = "\n\n".join(rng.sample(lines, k=min(len(lines), rng.randint(3, 12))))
            row = json.dumps({"text": text}, ensure_ascii=False) + "\n"
            f.write(row)
            written += len(row.encode("utf-8"))
    os.replace(tmp, out)
    return out


def child(args) -> None:
    """One measured tokenisation, in its own process: prints {seconds, peak_bytes, tokens, examples}."""
    sys.path.insert(0, str(TRAINER))
    from lathe_trainer.train.data import encode_files
    from lathe_trainer.train.model import load_tokenizer
    from lathe_trainer.train.token_cache import cached_examples

    tok = load_tokenizer(Path(args.base))
    started = time.monotonic()
    if args.mode == "plain":
        examples, _ = encode_files(tok, [args.corpus], "cpt", args.seq_len)
        tokens = sum(len(e.input_ids) for e in examples)
    else:
        examples = cached_examples(tok, Path(args.base), [args.corpus], "cpt", args.seq_len)
        tokens = int(examples.lengths.sum())
        examples[len(examples) // 2]  # read one block, as training would
    seconds = time.monotonic() - started
    print(json.dumps({"seconds": seconds, "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "tokens": tokens, "examples": len(examples)}))


def measure(mode: str, base: Path, corpus: Path, seq_len: int, cache: Path) -> dict:
    env = {**os.environ, "LATHE_TOKEN_CACHE_DIR": str(cache), "PYTHONPATH": str(TRAINER)}
    result = subprocess.run([sys.executable, __file__, "--child", mode, "--base", str(base), "--corpus", str(corpus),
                             "--seq-len", str(seq_len)], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=1024, help="corpus size in MiB")
    parser.add_argument("--seq-len", type=int, default=2048)
    parser.add_argument("--plain-max-mb", type=int, default=200, help="run the in-memory baseline up to this size")
    parser.add_argument("--child", choices=["cached", "plain"], help=argparse.SUPPRESS)
    for hidden in ("--base", "--corpus"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.mode = args.child
        return child(args)
    sys.path.insert(0, str(TRAINER))
    from lathe_trainer.testing.families import build_family

    work = lathe_cache() / "bench-token-cache"
    work.mkdir(parents=True, exist_ok=True)
    base = work / "llama3-tokenizer"
    if not (base / "tokenizer.json").is_file():
        build_family("llama3", base, dtype="float32")
    started = time.monotonic()
    corpus = make_corpus(work / f"corpus-{args.mb}mb.jsonl", args.mb)
    if time.monotonic() - started > 1:
        print(f"wrote the {args.mb} MiB corpus in {time.monotonic() - started:.0f} s (kept for the next run)")
    size = corpus.stat().st_size
    print(f"token cache bench: {size / 2**20:.0f} MiB of JSONL text, seq {args.seq_len}, {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="lathe-token-cache-bench-") as tmp:
        cache = Path(tmp) / "cache"
        rows = {"cold": measure("cached", base, corpus, args.seq_len, cache)}
        rows["warm"] = measure("cached", base, corpus, args.seq_len, cache)
        if args.mb <= args.plain_max_mb:
            rows["plain"] = measure("plain", base, corpus, args.seq_len, cache)
        on_disk = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
        shutil.rmtree(cache, ignore_errors=True)
    for name, r in rows.items():
        print(f"  {name:5s} {r['seconds']:8.2f} s  peak RSS {r['peak_bytes'] / 2**20:7.0f} MiB  "
              f"{r['tokens']:,} tokens in {r['examples']:,} blocks  ({size / 2**20 / r['seconds']:.1f} MiB/s)", flush=True)
    cold, warm = rows["cold"], rows["warm"]
    speedup = cold["seconds"] / warm["seconds"]
    print(f"cache on disk: {on_disk / 2**20:.0f} MiB ({on_disk / max(1, cold['tokens']):.1f} bytes/token)")
    print(f"cold peak RSS {cold['peak_bytes'] / 2**30:.2f} GiB (goal < 2) {'PASS' if cold['peak_bytes'] < 2 * 2**30 else 'FAIL'}")
    print(f"warm vs cold: {speedup:.0f}x faster (goal >= 20) {'PASS' if speedup >= 20 else 'FAIL'}")
    if "plain" in rows:
        plain = rows["plain"]
        print(f"in-memory encode_files: {plain['seconds'] / cold['seconds']:.2f}x the cold time, "
              f"{plain['peak_bytes'] / cold['peak_bytes']:.2f}x its peak RSS")


if __name__ == "__main__":
    main()
