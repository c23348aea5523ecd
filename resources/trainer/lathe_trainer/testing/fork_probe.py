"""`python -m lathe_trainer.testing.fork_probe [--sleep S] [--exit N]`: prints what a started process sees, as one
JSON line (pid, process group, session, cwd, argv, LATHE_* variables, what stdin holds, whether torch is imported
already), to stdout, a line to stderr, then sleeps and exits as asked. The fork server's tests use it to check that
a forked command sees what a new interpreter would."""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    sleep = float(argv[argv.index("--sleep") + 1]) if "--sleep" in argv else 0.0
    code = int(argv[argv.index("--exit") + 1]) if "--exit" in argv else 0
    print(json.dumps({
        "pid": os.getpid(), "pgid": os.getpgid(0), "sid": os.getsid(0), "ppid": os.getppid(), "cwd": os.getcwd(),
        "argv": sys.argv[1:], "name": __name__, "env": {k: v for k, v in os.environ.items() if k.startswith("LATHE_")},
        "stdin": sys.stdin.read(), "torch_imported": "torch" in sys.modules,
    }), flush=True)
    print("fork probe: to stderr", file=sys.stderr, flush=True)
    time.sleep(sleep)
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
