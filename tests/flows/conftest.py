"""Fixtures for the flow tests in this folder (the panel candidates live in panel_world)."""

from certificate_world import certified, key_file  # noqa: F401  (fixtures, by name)
from panel_world import document, staff  # noqa: F401  (fixtures, by name)
