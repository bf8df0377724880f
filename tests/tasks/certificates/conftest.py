"""Fixtures for the certificate tests in this folder (helpers live in
tests/certificate_world.py)."""

from certificate_world import certified, key_file  # noqa: F401  (fixtures, by name)
