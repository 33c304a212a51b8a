"""The command line of the installed agent hooks: ``PYTHON -I -S .../run_hook.py EVENT``.

``gate install claude|codex`` writes this form (``install/hook_files.py``): ``-I`` keeps
the environment's ``PYTHON*`` variables and the user's site directory out of the hook, and
``-S`` skips ``site`` at start-up, most of what ``python -c pass`` costs. The file is run as
a script (never cached as bytecode), so it only puts this package on ``sys.path`` and hands
over to :func:`review_gate.hooks.agent.main`, whose modules are byte-compiled at install.
"""

import sys

if __name__ == "__main__":
    _here = __file__.replace("\\", "/").rsplit("/", 3)[0]  # .../<dir>/review_gate/hooks/x.py
    sys.path.insert(0, _here)
    from review_gate.hooks.agent import main

    sys.exit(main(sys.argv[1:]))
