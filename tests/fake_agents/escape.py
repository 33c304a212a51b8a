"""Fake agent: start a grandchild that leaves the process group and the session
(``setsid``), clears its environment (no worker marker), ignores SIGTERM and loses its
parent (a double fork); write the grandchild's pid to the last argument. Then sleep, or
with ``--exit`` end at once and leave the grandchild behind.

`gate dispatch stop` must still end it (issue 15): the worker's supervisor is its
subreaper, so the grandchild stays in the supervisor's process tree.
"""

from __future__ import annotations

import subprocess
import sys
import time

# The middle process: start the grandchild in a new session with an empty environment,
# then exit so that the grandchild is orphaned.
MIDDLE = (
    "import subprocess, sys\n"
    "subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]],\n"
    "                 start_new_session=True, env={}, close_fds=True)\n"
)
GRANDCHILD = (
    "import os, pathlib, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "pathlib.Path(sys.argv[1] + '.tmp').write_text(str(os.getpid()))\n"
    "os.replace(sys.argv[1] + '.tmp', sys.argv[1])\n"
    "while True: time.sleep(60)\n"
)

if __name__ == "__main__":
    target = sys.argv[-1]
    subprocess.run(
        [sys.executable, "-c", MIDDLE, GRANDCHILD, target], start_new_session=True, check=True
    )
    print("fake agent: left a grandchild behind", flush=True)
    if "--exit" in sys.argv:
        sys.exit(0)
    while True:
        time.sleep(3600)
