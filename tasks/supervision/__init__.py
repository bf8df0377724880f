"""Supervision: each worker's next supervision dated from the last, recorded one at a time
or imported from a log, and compliance per team."""
