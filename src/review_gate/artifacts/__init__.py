"""Artifacts: marker-delimited blocks in issue comments, parsed and validated.

Public API (stable for the other layers)::

    extract(body: str) -> list[Artifact]      # pure: every block in a comment body
    Artifact, ArtifactError                   # records, see model.py
"""

from __future__ import annotations

from review_gate.artifacts.model import KINDS, Artifact, ArtifactError

__all__ = ["KINDS", "Artifact", "ArtifactError", "extract"]


def __getattr__(name: str) -> object:
    # extract() pulls in markdown-it and jsonschema: load it on first use only, so
    # that importing the records stays cheap on the hook fast path.
    if name == "extract":
        from review_gate.artifacts.extract import extract

        return extract
    raise AttributeError(name)
