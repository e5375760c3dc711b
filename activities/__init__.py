"""Activities: every side effect of Tessera, each idempotent (an idempotency key per effect)."""
