"""Southbound systems (inventory, activation, ...) behind typed interfaces, with simulators.

Kept free of imports: workflows import `activities.southbound.contract` inside the sandbox, and
that must not pull in the store.
"""
