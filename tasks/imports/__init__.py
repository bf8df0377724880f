"""Imports: one CSV file (roster, training completions, refresher sessions) at a time."""
