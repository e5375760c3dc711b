"""TMF622 Product Ordering v4 resources: ProductOrder_Create, ProductOrder and their items."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_serializer, field_validator

from tmf.common import (
    Characteristic,
    EntityRef,
    Note,
    OrderPrice,
    RelatedParty,
    StrictTmfModel,
    TmfModel,
    UtcDatetime,
)

PRODUCT_ORDERING_BASE = "/tmf-api/productOrderingManagement/v4"


class OrderState(StrEnum):
    # TMF622 v5: stored, not submitted; no workflow runs until it is submitted (acknowledged).
    DRAFT = "draft"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    PENDING = "pending"
    HELD = "held"
    IN_PROGRESS = "inProgress"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"
    PARTIAL = "partial"
    ASSESSING_CANCELLATION = "assessingCancellation"
    PENDING_CANCELLATION = "pendingCancellation"

    @property
    def is_final(self) -> bool:
        return self in FINAL_ORDER_STATES


FINAL_ORDER_STATES = frozenset(
    {
        OrderState.REJECTED,
        OrderState.CANCELLED,
        OrderState.COMPLETED,
        OrderState.FAILED,
        OrderState.PARTIAL,
    }
)


class ItemState(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    PENDING = "pending"
    HELD = "held"
    IN_PROGRESS = "inProgress"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"
    ASSESSING_CANCELLATION = "assessingCancellation"
    PENDING_CANCELLATION = "pendingCancellation"


class ItemAction(StrEnum):
    ADD = "add"
    MODIFY = "modify"
    DELETE = "delete"
    NO_CHANGE = "noChange"
    # TMF622 allows extension values; suspend and resume are what telecom change orders need.
    SUSPEND = "suspend"
    RESUME = "resume"


class RelationshipType(StrEnum):
    RELIES_ON = "reliesOn"
    BUNDLES = "bundles"
    BUNDLED = "bundled"


class OrderItemRelationship(StrictTmfModel):
    id: str = Field(min_length=1)
    relationship_type: RelationshipType = Field(alias="relationshipType")


class ProductRefOrValue(TmfModel):
    """The product an item acts on: its id (modify/delete) and/or its characteristics."""

    id: str | None = None
    href: str | None = None
    name: str | None = None
    product_characteristic: list[Characteristic] = Field(
        default_factory=list, alias="productCharacteristic"
    )
    product_specification: EntityRef | None = Field(default=None, alias="productSpecification")
    place: list[dict[str, Any]] | None = None
    related_party: list[RelatedParty] | None = Field(default=None, alias="relatedParty")

    def characteristic_values(self) -> dict[str, Any]:
        return {c.name: c.value for c in self.product_characteristic}


class DomainOrderRef(TmfModel):
    """Tessera extension on an item: a domain order it decomposed into, with its state."""

    id: str
    domain: str
    specification: str
    state: str
    href: str | None = None


# What the server adds to an item the client sent (the item's request is the rest).
SERVER_ITEM_FIELDS = frozenset(
    {"state", "item_price", "item_total_price", "domain_order", "point_of_no_return", "jeopardy"}
)


class ProductOrderItem(TmfModel):
    id: str = Field(min_length=1)
    action: ItemAction
    quantity: int = Field(default=1, ge=1, le=10_000)
    product_offering: EntityRef | None = Field(default=None, alias="productOffering")
    product: ProductRefOrValue | None = None
    product_order_item_relationship: list[OrderItemRelationship] = Field(
        default_factory=list, alias="productOrderItemRelationship"
    )
    # Server-computed, read-only to clients.
    state: ItemState | None = None
    item_price: list[OrderPrice] | None = Field(default=None, alias="itemPrice")
    item_total_price: list[OrderPrice] | None = Field(default=None, alias="itemTotalPrice")
    domain_order: list[DomainOrderRef] | None = Field(default=None, alias="domainOrder")
    point_of_no_return: bool | None = Field(default=None, alias="pointOfNoReturn")
    # A bundle's items, nested the TMF622 way: one per bundled offering, each with its own id.
    product_order_item: list[ProductOrderItem] | None = Field(
        default=None, alias="productOrderItem"
    )

    # none | warning | critical. Shown as the order's is, an object (`{"level": ...}`); held as
    # its level, which is what the workflow sets and what earlier histories carry.
    jeopardy: str | None = None

    @field_validator("jeopardy", mode="before")
    @classmethod
    def _jeopardy_level(cls, value: Any) -> Any:
        return value.get("level") if isinstance(value, dict) else value

    @field_serializer("jeopardy")
    def _jeopardy_object(self, level: str | None) -> dict[str, str] | None:
        return None if level is None else {"level": level}


def flatten_items(items: list[ProductOrderItem]) -> list[ProductOrderItem]:
    """Every item, nested ones after their bundle item (depth first)."""
    found: list[ProductOrderItem] = []
    stack = list(reversed(items))
    while stack:
        item = stack.pop()
        found.append(item)
        if item.product_order_item:
            stack.extend(reversed(item.product_order_item))
    return found


class ProductOrderCreate(TmfModel):
    """ProductOrder_Create: what a channel sends. Server-owned fields are refused by the API."""

    product_order_item: list[ProductOrderItem] = Field(alias="productOrderItem", min_length=1)
    related_party: list[RelatedParty] = Field(default_factory=list, alias="relatedParty")
    external_id: str | None = Field(default=None, alias="externalId", max_length=200)
    description: str | None = None
    category: str | None = None
    priority: str | None = None
    channel: list[EntityRef] = Field(default_factory=list)
    note: list[Note] = Field(default_factory=list)
    notification_contact: str | None = Field(default=None, alias="notificationContact")
    requested_start_date: UtcDatetime | None = Field(default=None, alias="requestedStartDate")
    requested_completion_date: UtcDatetime | None = Field(
        default=None, alias="requestedCompletionDate"
    )
    billing_account: EntityRef | None = Field(default=None, alias="billingAccount")

    @field_validator("priority")
    @classmethod
    def _priority_is_a_small_number(cls, value: str | None) -> str | None:
        # TMF leaves priority a string; we read it as 0 (highest) .. 4 (lowest) to rank orders.
        if value is not None and value not in {"0", "1", "2", "3", "4"}:
            raise ValueError("priority must be one of '0' (highest) to '4' (lowest)")
        return value

    def all_items(self) -> list[ProductOrderItem]:
        """The order's items and the items nested in them (a bundle's children)."""
        items = self.product_order_item
        if not any(i.product_order_item for i in items):
            return items  # the common case: no nesting, no copy
        return flatten_items(items)

    def customer_id(self) -> str | None:
        """The party the order is for: the customer role if named, else the first party."""
        for party in self.related_party:
            if (party.role or "").lower() == "customer":
                return party.id
        return self.related_party[0].id if self.related_party else None

    def names_a_customer(self) -> bool:
        """A party with the customer role, or one whose role is left out (taken as the customer,
        as `customer_id` does): an order for nobody would leave an unowned product in inventory."""
        return any((p.role or "customer").lower() == "customer" for p in self.related_party)

    def channel_name(self) -> str | None:
        if not self.channel:
            return None
        return self.channel[0].name or self.channel[0].id


class OrderErrorMessage(TmfModel):
    """Why an order or item was rejected or failed (TMF622 v5 `errorMessage`)."""

    code: str
    reason: str
    message: str | None = None
    product_order_item: list[str] | None = Field(default=None, alias="productOrderItem")


class Milestone(TmfModel):
    """A milestone the order reached (TMF622 v5 ProductOrderMilestone)."""

    id: str
    name: str
    milestone_date: UtcDatetime = Field(alias="milestoneDate")
    status: str = "reached"
    product_order_item: list[str] | None = Field(default=None, alias="productOrderItem")


class TaskAtRisk(TmfModel):
    task_id: str = Field(alias="taskId")
    item_id: str = Field(alias="itemId")
    level: str
    cause: str


class OrderJeopardy(TmfModel):
    """Tessera extension: is the order at risk of missing its due date, and why."""

    level: str  # none | warning | critical
    cause: str | None = None
    due_date: UtcDatetime = Field(alias="dueDate")
    forecast_completion_date: UtcDatetime | None = Field(
        default=None, alias="forecastCompletionDate"
    )
    tasks: list[TaskAtRisk] = Field(default_factory=list)


class OrderReview(TmfModel):
    """Tessera extension: a person's review the order waits for before it is fulfilled (state
    `pending` for an approval, `held` for a suspected duplicate), and how it ended."""

    kind: str  # approval | duplicate
    reason: str
    rules: list[str] = Field(default_factory=list)
    duplicate_of: str | None = Field(default=None, alias="duplicateOf")
    since: UtcDatetime
    # approved | rejected | released | cancelled | amended (no approval needed any more)
    decision: str | None = None
    decided_by: str | None = Field(default=None, alias="decidedBy")
    decision_date: UtcDatetime | None = Field(default=None, alias="decisionDate")
    decision_reason: str | None = Field(default=None, alias="decisionReason")


class Amendment(TmfModel):
    """Tessera extension: one in-flight amendment, what it changed and who asked."""

    version: int
    date: UtcDatetime
    actor: str | None = None
    reason: str | None = None
    added_items: list[str] = Field(default_factory=list, alias="addedItems")
    removed_items: list[str] = Field(default_factory=list, alias="removedItems")
    changed_items: list[str] = Field(default_factory=list, alias="changedItems")
    discarded: list[str] = Field(default_factory=list)
    compensated: list[str] = Field(default_factory=list)
    redone: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)  # not started, or a manual job given new data
    added: list[str] = Field(default_factory=list)


class ProductOrder(ProductOrderCreate):
    """The ProductOrder resource, as GET returns it."""

    id: str
    href: str
    order_date: UtcDatetime = Field(alias="orderDate")
    state: OrderState = OrderState.ACKNOWLEDGED
    completion_date: UtcDatetime | None = Field(default=None, alias="completionDate")
    expected_completion_date: UtcDatetime | None = Field(
        default=None, alias="expectedCompletionDate"
    )
    cancellation_date: UtcDatetime | None = Field(default=None, alias="cancellationDate")
    cancellation_reason: str | None = Field(default=None, alias="cancellationReason")
    order_total_price: list[OrderPrice] | None = Field(default=None, alias="orderTotalPrice")
    error_message: list[OrderErrorMessage] | None = Field(default=None, alias="errorMessage")
    milestone: list[Milestone] | None = None
    jeopardy: OrderJeopardy | None = None
    amendment: list[Amendment] | None = None
    # The reviews the order waited for (the last one undecided while it waits).
    review: list[OrderReview] | None = None
    # Tessera extensions, documented in the OpenAPI schema.
    version: int = 1
    catalog_version: str | None = Field(default=None, alias="catalogVersion")
    # A draft's submit is refused after this date (ORDER_DRAFT_TTL_HOURS after its creation).
    draft_expiration_date: UtcDatetime | None = Field(default=None, alias="draftExpirationDate")

    def item(self, item_id: str) -> ProductOrderItem | None:
        """An item by id, nested ones included."""
        return next((i for i in self.all_items() if i.id == item_id), None)

    def open_review(self) -> OrderReview | None:
        """The review the order waits for now, if any."""
        last = self.review[-1] if self.review else None
        return last if last is not None and last.decision is None else None


def order_href(base_url: str, order_id: str) -> str:
    return f"{base_url.rstrip('/')}{PRODUCT_ORDERING_BASE}/productOrder/{order_id}"
