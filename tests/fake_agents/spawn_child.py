"""Fake agent: start a child that sleeps, write its pid to its last argument, then sleep too.

`gate dispatch stop` must end both (the child is in the agent's process group); the
child ignores SIGTERM so that only SIGKILL ends it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

# The child writes its own pid only once SIGTERM is ignored: a stop that comes sooner
# would otherwise end it with SIGTERM and the test would see no SIGKILL.
CHILD = (
    "import pathlib, signal, sys, time, os\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "pathlib.Path(sys.argv[1]).write_text(str(os.getpid()))\n"
    "while True: time.sleep(60)\n"
)

if __name__ == "__main__":
    child = subprocess.Popen([sys.executable, "-c", CHILD, sys.argv[-1]])
    print(f"fake agent: child {child.pid}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)
