"""Reminders: plan the sweep, decide each day's notices, compose them into mails and invites."""
