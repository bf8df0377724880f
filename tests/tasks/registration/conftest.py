"""Fixtures for the registration tests in this folder (helpers live in tests/training_world.py)."""

from training_world import staffed  # noqa: F401  (a fixture, by name)
