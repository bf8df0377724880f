"""Reporting: what the team should see of a daily run in the Prefect UI (ids, no names)."""
