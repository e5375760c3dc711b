"""Every workflow type the worker runs."""

from __future__ import annotations

from workflows.product_order import ProductOrderWorkflow

WORKFLOWS: list[type] = [ProductOrderWorkflow]
