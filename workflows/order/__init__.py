"""The product order: one durable workflow per TMF622 order (`order-<id>`).

Read in this order: `workflow.py` (the order's story: handlers and the wait loop), `book.py` (the
order book: what the order knows and what must happen next, pure), the decision modules
(`amendment.py`, `cancellation.py`, `assetization.py`, and `workflows/jeopardy.py`), and
`effects.py` (the only module that issues Temporal commands; `review_gate.py` is `run()`'s wait for
a review, through it).
"""

from workflows.order.naming import child_workflow_id, order_memo, workflow_id_for
from workflows.order.workflow import ProductOrderInput, ProductOrderResult, ProductOrderWorkflow

__all__ = [
    "ProductOrderInput",
    "ProductOrderResult",
    "ProductOrderWorkflow",
    "child_workflow_id",
    "order_memo",
    "workflow_id_for",
]
