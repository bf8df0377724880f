"""Training: completions and credit, credentials and renewals, refreshers, validity rules."""
