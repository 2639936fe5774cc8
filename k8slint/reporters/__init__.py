"""Reporters: each renders a lint result in one format and knows nothing of the engine."""
