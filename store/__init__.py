"""SQLModel persistence: the read side of orders, and the state of everything outside Temporal.

The workflow is the source of truth for an order; the store is its projection, written only by the
workflow's store activities (and by the API once, when it accepts an order).
"""
