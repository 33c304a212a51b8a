"""Git settings whose value is a program git runs: written into a gated checkout's
configuration (worktrees share it), they run that program inside a reviewer's ``git log -p``
or ``git status``. The list follows ``git help config``: every key whose value names a
command, a helper, a driver, an editor, a pager or a browser."""

from __future__ import annotations

from review_gate.shell.prefilter import words

#: Exact keys (lower case).
_EXACT = words(
    "core.fsmonitor core.pager core.editor core.sshcommand core.askpass core.gitproxy "
    "core.alternaterefscommand core.hookspath core.attributesfile sequence.editor "
    "diff.external diff.tool diff.guitool merge.tool merge.guitool gpg.program "
    "gpg.ssh.defaultkeycommand credential.helper uploadpack.packobjectshook web.browser "
    "help.browser instaweb.browser instaweb.httpd interactive.difffilter include.path "
    "sendemail.smtpserver sendemail.sendmailcmd sendemail.tocmd sendemail.cccmd "
    "sendemail.headercmd ssh.variant imap.tunnel"
)
#: Patterns over ``section.subsection.name`` keys (lower case).
_PATTERNS = (
    "pager.*",
    "diff.*.textconv",
    "diff.*.command",
    "merge.*.driver",
    "filter.*.clean",
    "filter.*.smudge",
    "filter.*.process",
    "gpg.*.program",
    "credential.*.helper",
    "difftool.*.cmd",
    "difftool.*.path",
    "mergetool.*.cmd",
    "mergetool.*.path",
    "browser.*.cmd",
    "browser.*.path",
    "man.*.cmd",
    "man.*.path",
    "guitool.*.cmd",
    "trailer.*.command",
    "tar.*.command",
    "trailer.*.cmd",
    "remote.*.uploadpack",
    "remote.*.receivepack",
    "remote.*.vcs",
    "submodule.*.update",
    "includeif.*.path",
    "protocol.*",
)


def runs_program(key: str, value: str | None = None) -> bool:
    """Does setting ``key`` (to ``value``, None when unknown) make git run a program?
    ``alias.X`` does when its value starts with ``!``, or may when the value is unknown."""
    low = key.strip().lower()
    if low in _EXACT or any(_matches(low, p) for p in _PATTERNS):
        return True
    if low.startswith("alias."):
        return value is None or value.lstrip().startswith("!")
    return False


def _matches(key: str, pattern: str) -> bool:
    """``diff.*.textconv`` (any subsection, which may hold dots), ``pager.*``."""
    head, _, rest = pattern.partition(".*")
    if not key.startswith(head + "."):
        return False
    return not rest or (key.endswith(rest) and len(key) > len(head) + len(rest) + 1)
