"""Benchmarks against the engine's own limit (issue 8); see bench/README.md."""
