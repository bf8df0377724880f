"""Prefect flows (the lifecycles), deployment entrypoints and the `ladder` command line."""
