"""The command line of the installed agent hooks: ``PYTHON -I -S .../run_hook.py EVENT``.

``gate install claude|codex`` writes this form (``install/hook_files.py``): ``-I`` keeps
the environment's ``PYTHON*`` variables and the user's site directory out of the hook, and
``-S`` skips ``site`` at start-up, most of what ``python -c pass`` costs. The file is run as
a script (never cached as bytecode), so it only puts this package on ``sys.path`` and hands
over to :func:`review_gate.hooks.fast_path.run`, whose modules are byte-compiled at install.
A package that cannot be loaded denies the tool call (a traceback would let it through).
"""

import sys

if __name__ == "__main__":
    _here = __file__.replace("\\", "/").rsplit("/", 3)[0]  # .../<dir>/review_gate/hooks/x.py
    sys.path.insert(0, _here)
    try:
        from review_gate.hooks.fast_path import run
    except BaseException as exc:
        if sys.argv[1:] != ["pre-tool-use"]:
            raise
        sys.stdout.write(
            '{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": '
            '"deny", "permissionDecisionReason": "review-gate: the hook cannot load ('
            + type(exc).__name__
            + '); denied to be safe. `gate doctor` checks the setup."}}\n'
        )
        sys.exit(0)
    sys.exit(run(sys.argv[1:], exit_now=True))
