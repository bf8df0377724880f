"""What HAS HAPPENED: schema, sessions, set-based queries and migrations (no programme rules)."""
