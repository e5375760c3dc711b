"""Catalog-driven decomposition: catalog model, rules and the orchestration plan. Pure: no I/O."""
