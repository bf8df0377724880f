"""Certificates: issue, correct and verify them."""
