"""Fixtures for the flow tests in this folder (the panel candidates live in panel_world)."""

from panel_world import document, staff  # noqa: F401  (fixtures, by name)
