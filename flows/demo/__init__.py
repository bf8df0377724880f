"""The demo: a simulated year of the sample organisation, run through the real flows."""
