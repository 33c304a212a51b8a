"""Artifacts: marker-delimited blocks in issue comments, parsed and validated.

Public API (stable for the other layers)::

    from review_gate.artifacts.extract import extract   # body -> list[Artifact] (pure)
    from review_gate.artifacts import Artifact, ArtifactError, KINDS

``extract`` lives in its own module so that importing the records stays cheap on the
hook fast path (it pulls in markdown-it and jsonschema).
"""

from __future__ import annotations

from review_gate.artifacts.model import KINDS, Artifact, ArtifactError

__all__ = ["KINDS", "Artifact", "ArtifactError"]
