"""The reviewer identity: handed to review workers only, scrubbed from every other worker.

``require_independent_review`` (gates/independent.py) counts a REVIEW only when its
author is trusted for REVIEWs (``[trust] review``), so that list should name one identity
that implementers do not hold. The dispatcher keeps it apart:

- GitHub: the environment variable named by ``review_token_env`` (default
  ``REVIEW_GATE_REVIEW_TOKEN``) holds the reviewer's token in the dispatcher's
  environment. A review worker gets it as ``GH_TOKEN`` and ``GITHUB_TOKEN`` (what ``gh``
  and ``gate issue comment`` post with); every other worker loses the variable and any
  other variable holding the same token.
- Local tracker: ``review_author`` is the login review workers post as
  (``REVIEW_GATE_AUTHOR``); another worker whose ``REVIEW_GATE_AUTHOR`` names it loses it.

What this guarantees is written down in docs/gates.md ("Independent review"): on one
machine under one account it prevents drift and accidents, not a determined process.
"""

from __future__ import annotations

from review_gate.config_values import Config

REVIEW_ROLE = "review"
# What `gh`, PyGithub-based `gate` commands and the GitHub tracker authenticate with.
TOKEN_VARS = ("GH_TOKEN", "GITHUB_TOKEN")
# Who the local tracker records as a comment's author (trackers/local.py).
AUTHOR_VAR = "REVIEW_GATE_AUTHOR"


def apply(env: dict[str, str], role: str, config: Config) -> None:
    """Give a ``review`` worker the reviewer identity; take it from any other (in place)."""
    token = env.pop(config.review_token_env, "").strip()
    author = config.review_author
    if role == REVIEW_ROLE:
        if token:
            env.update(dict.fromkeys(TOKEN_VARS, token))
        if author:
            env[AUTHOR_VAR] = author
        return
    if token:
        # A copy under another name (GH_TOKEN set to the same token) is the same identity.
        for name in [name for name, value in env.items() if value.strip() == token]:
            del env[name]
    if author and env.get(AUTHOR_VAR, "").strip().lstrip("@").lower() == author.lower():
        del env[AUTHOR_VAR]
