"""Gates: pure functions from an issue's artifacts and a context to a Verdict."""
