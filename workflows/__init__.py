"""Temporal workflows: deterministic orchestration only (no I/O, clock or randomness)."""
