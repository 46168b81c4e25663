"""Self-check questions (placeholder until the self-check room lands)."""
