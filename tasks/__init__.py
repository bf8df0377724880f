"""Retryable Prefect tasks: one I/O step over a batch (select due, queue, deliver, ...)."""
