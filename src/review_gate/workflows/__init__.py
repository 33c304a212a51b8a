"""GitHub Actions workflows shipped with review-gate (``gate install actions``)."""
