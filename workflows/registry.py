"""Every workflow type the worker runs."""

from __future__ import annotations

from workflows.domain_order import DomainOrderWorkflow
from workflows.event_delivery import EventDeliveryWorkflow
from workflows.order import ProductOrderWorkflow

WORKFLOWS: list[type] = [ProductOrderWorkflow, DomainOrderWorkflow, EventDeliveryWorkflow]
