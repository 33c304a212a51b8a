"""Fake agent: start a child that sleeps, write its pid to its last argument, then sleep too.

`gate dispatch stop` must end both (the child is in the agent's process group); the
child ignores SIGTERM so that only SIGKILL ends it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

CHILD = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "while True: time.sleep(60)\n"
)

if __name__ == "__main__":
    child = subprocess.Popen([sys.executable, "-c", CHILD])
    Path(sys.argv[-1]).write_text(str(child.pid))
    print(f"fake agent: child {child.pid}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)
