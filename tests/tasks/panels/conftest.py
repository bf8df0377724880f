"""Fixtures for the panel tests in this folder (helpers live in tests/panel_world.py)."""

from panel_world import document, staff  # noqa: F401  (fixtures, by name)
