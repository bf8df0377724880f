"""Delivery: send the outbox through the mail server, each message marked once it is sent."""
