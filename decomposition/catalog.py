"""The catalog model: offerings, product/service/resource specifications and fulfillment tasks.

A `CatalogVersion` is checked when it is built (references resolve, layers are respected, task
graphs are acyclic, conditions parse), so decomposition never meets a broken catalog. Field names
are camelCase in YAML (TMF style) and snake_case in Python.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from decomposition.conditions import Condition, parse_condition
from decomposition.rules import OrderRule

# The southbound systems and the operations their simulators implement: a task may call no other.
SOUTHBOUND_OPERATIONS: dict[str, frozenset[str]] = {
    "inventory": frozenset({"reserve_port", "release_port", "assign_ip", "release_ip"}),
    "activation": frozenset(
        {"activate_service", "deactivate_service", "suspend_service", "resume_service"}
    ),
    "portability": frozenset({"port_in", "cancel_port_in"}),
    "sim": frozenset({"provision_sim", "provision_esim", "deactivate_sim"}),
    "shipping": frozenset({"ship", "cancel_shipment", "create_return_label"}),
    "field_service": frozenset({"book_appointment", "cancel_appointment"}),
    "billing": frozenset({"start_billing", "stop_billing", "adjust_billing"}),
    "product_inventory": frozenset({"assetize", "deassetize"}),
    # The returns desk's settlement: disposition, stock, refund or charge (activities/returns.py).
    "returns": frozenset({"settle_return"}),
}


class CatalogModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Channel(StrEnum):
    WEB = "web"
    APP = "app"
    CALL_CENTER = "call-center"
    RETAIL = "retail"
    PARTNER = "partner"


ONLINE_CHANNELS = frozenset({Channel.WEB, Channel.APP})


class ValueType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"


class Action(StrEnum):
    ADD = "add"
    MODIFY = "modify"
    DELETE = "delete"
    SUSPEND = "suspend"
    RESUME = "resume"


class Domain(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"
    RESOURCE = "resource"


class ServiceCategory(StrEnum):
    CFS = "CFS"
    RFS = "RFS"


class RelationshipType(StrEnum):
    REALIZED_AS = "realizedAs"  # product -> CFS
    REQUIRES = "requires"  # CFS -> RFS
    USES = "uses"  # RFS -> resource


class TaskKind(StrEnum):
    AUTOMATED = "automated"
    MANUAL = "manual"
    MILESTONE = "milestone"
    WAIT_UNTIL = "waitUntil"


class WaitSource(StrEnum):
    REQUESTED_START_DATE = "requestedStartDate"
    APPOINTMENT = "appointment"


class PriceType(StrEnum):
    ONE_TIME = "oneTime"
    RECURRING = "recurring"


class LifecycleStatus(StrEnum):
    """TMF620 lifecycle of every catalog entity (moves: decomposition/lifecycle.py). Only
    launched offerings are sold; an entity in use is Active (an offering: Launched); a retired
    one can no longer be used for new orders, but products already sold with it still change
    and disconnect; an obsolete one is kept only for the products and orders that name it."""

    IN_DESIGN = "In design"
    IN_TEST = "In test"
    ACTIVE = "Active"
    LAUNCHED = "Launched"
    RETIRED = "Retired"
    OBSOLETE = "Obsolete"


class CharacteristicSpec(CatalogModel):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$")
    value_type: ValueType
    description: str = ""
    required: bool = False  # must be in the order when the item is captured
    required_when: str | None = None  # a condition making it required, e.g. "numberPortIn == true"
    default: Any = None
    allowed_values: list[Any] = Field(default_factory=list)
    pattern: str | None = None  # a full-match regular expression for strings
    minimum: float | None = None
    maximum: float | None = None
    # False for personal data (porting PIN, date of birth): used to fulfil, never kept in inventory.
    assetizable: bool = True
    # A secret (porting PIN): sealed at the API, only a reference enters the order and history.
    secret: bool = False
    # Decomposition of the spec waits until the value is known (staggered decomposition).
    required_for_decomposition: bool = False
    modifiable: bool = True  # False: changing it means a new product (delete and add)


class SpecRelationship(CatalogModel):
    type: RelationshipType
    target: str
    condition: str | None = None  # on the source spec's characteristics
    # target characteristic name -> source characteristic name: how values flow down.
    attribute_mapping: dict[str, str] = Field(default_factory=dict)
    # An integer characteristic of the source: one target instance per unit (e.g. siteCount).
    repeat_per: str | None = None
    index_as: str | None = None  # target characteristic receiving the 1-based instance number


class Compensation(CatalogModel):
    system: str
    operation: str


class RetryPolicy(CatalogModel):
    max_attempts: int = Field(default=5, ge=1)
    initial_interval_seconds: float = Field(default=2.0, gt=0)
    backoff: float = Field(default=2.0, ge=1)
    non_retryable_errors: list[str] = Field(default_factory=list)


class TaskTemplate(CatalogModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    kind: TaskKind
    system: str | None = None
    operation: str | None = None
    queue: str | None = None
    skill: str | None = None
    milestone: str | None = None
    wait_for: WaitSource | None = None
    wait_for_task: str | None = None  # for wait_for=appointment: the booking task (a reference)
    expected_duration_seconds: int = Field(ge=0)
    point_of_no_return: bool = False
    assetization: bool = False  # records the product in inventory: a hard point of no return
    compensation: Compensation | None = None
    retry: RetryPolicy | None = None  # None: the catalog's default
    # The characteristics this task acts on: a modify plans the task only when one changed.
    characteristics: list[str] = Field(default_factory=list)
    # References: "key" (same spec), "spec-id:key" (another spec of the same product),
    # "reliesOn:spec-id:key" (a spec of a product this item relies on, when in the same order).
    depends_on: list[str] = Field(default_factory=list)
    inputs: list[str] | None = None  # characteristics passed as params; None: all of them
    params: dict[str, Any] = Field(default_factory=dict)  # constant params
    result: dict[str, str] = Field(default_factory=dict)  # field -> JSON type/format, manual tasks
    # A condition on the spec's characteristics: the task is planned only when it holds (a
    # return's plan follows its `returnType`). A dependency on a task left out is replaced by
    # that task's own dependencies, as for a modify that skips a task.
    when: str | None = None


class Specification(CatalogModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    description: str = ""
    characteristics: list[CharacteristicSpec] = Field(default_factory=list)
    relationships: list[SpecRelationship] = Field(default_factory=list)
    tasks: dict[Action, list[TaskTemplate]] = Field(default_factory=dict)
    lifecycle_status: LifecycleStatus = LifecycleStatus.ACTIVE

    def characteristic(self, name: str) -> CharacteristicSpec | None:
        return next((c for c in self.characteristics if c.name == name), None)


class ProductSpecification(Specification):
    # Product specs an item of this spec needs, owned or ordered alongside (IPTV needs broadband).
    relies_on_specs: list[str] = Field(default_factory=list)


class ServiceSpecification(Specification):
    category: ServiceCategory


class ResourceSpecification(Specification):
    pass


class PriceSpec(CatalogModel):
    id: str
    name: str
    price_type: PriceType
    amount: Decimal = Field(ge=0)
    currency: str = "EUR"
    recurring_period: str | None = None  # "month" for recurring prices
    condition: str | None = None  # on the product's characteristics, e.g. "downloadSpeed == 1000"
    per_unit_of: str | None = None  # an integer characteristic multiplying the amount (siteCount)
    lifecycle_status: LifecycleStatus = LifecycleStatus.ACTIVE  # charged only while in use


class DiscountRule(CatalogModel):
    id: str
    name: str
    description: str = ""
    applies_to: PriceType
    percentage: Decimal | None = Field(default=None, gt=0, le=100)
    amount: Decimal | None = Field(default=None, gt=0)  # per unit of quantity
    channels: list[Channel] = Field(default_factory=list)  # empty: any channel
    lifecycle_status: LifecycleStatus = LifecycleStatus.ACTIVE  # granted only while in use

    @model_validator(mode="after")
    def _percentage_or_amount(self) -> DiscountRule:
        if (self.percentage is None) == (self.amount is None):
            raise ValueError(f"discount {self.id}: give exactly one of percentage and amount")
        return self


class Category(CatalogModel):
    """A TMF620 category grouping offerings (Internet, Mobile, TV ...), possibly nested."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    description: str = ""
    parent: str | None = None
    lifecycle_status: LifecycleStatus = LifecycleStatus.ACTIVE


class BundledOffering(CatalogModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    offering: str
    relies_on: list[str] = Field(default_factory=list)  # keys of sibling children


class ReturnRemedy(StrEnum):
    """What a return order does for the customer (the item's `returnType`)."""

    REFUND = "refund"  # the device comes back, its price is refunded
    EXCHANGE = "exchange"  # a replacement ships at once, before the return arrives
    REPLACEMENT = "replacement"  # a faulty device replaced by the same model, likewise
    REPAIR = "repair"  # the device is repaired and sent back


class ReturnTerms(CatalogModel):
    """The terms a customer segment gets; unset fields take the policy's."""

    window_days: int | None = Field(default=None, ge=0)
    restocking_fee_percent: float | None = Field(default=None, ge=0, le=100)
    remedies: list[ReturnRemedy] | None = None


class ReturnPolicy(CatalogModel):
    """How a product of the offering may be returned: window, fee, remedies, by segment."""

    window_days: int = Field(ge=0)  # counted from the product's start (delivery)
    restocking_fee_percent: float = Field(default=0, ge=0, le=100)
    refundable: list[str] = Field(default_factory=lambda: ["device"])  # not the used service
    remedies: list[ReturnRemedy] = Field(default_factory=lambda: [ReturnRemedy.REFUND])
    # The share of the refundable price refunded per inspected condition grade.
    grade_refund_percent: dict[str, float] = Field(
        default_factory=lambda: {"A": 100.0, "B": 80.0, "C": 50.0, "D": 0.0}
    )
    # Deducted when accessories are missing, as a share of the refundable price.
    missing_accessories_percent: float = Field(default=10, ge=0, le=100)
    # Customer segment (the order's `category`: residential, business ...) -> its own terms.
    segments: dict[str, ReturnTerms] = Field(default_factory=dict)

    def terms(self, segment: str | None) -> ReturnTerms:
        """The terms for a segment, every field given (the policy's where the segment's is
        unset, or for a segment the policy does not name)."""
        own = self.segments.get(segment or "") or ReturnTerms()
        return ReturnTerms(
            window_days=own.window_days if own.window_days is not None else self.window_days,
            restocking_fee_percent=own.restocking_fee_percent
            if own.restocking_fee_percent is not None
            else self.restocking_fee_percent,
            remedies=own.remedies if own.remedies is not None else list(self.remedies),
        )


class ProductOffering(CatalogModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    description: str = ""
    channels: list[Channel]
    product_specification: str | None = None
    prices: list[PriceSpec] = Field(default_factory=list)
    discounts: list[DiscountRule] = Field(default_factory=list)
    bundled: list[BundledOffering] = Field(default_factory=list)
    sellable: bool = True  # False: only sold inside a bundle
    # TMF620 prodSpecCharValueUse: the values this offering allows for some characteristics of
    # its spec (e.g. technology: [fiber]); the first one is the default when none is given.
    char_value_use: dict[str, list[Any]] = Field(default_factory=dict)
    category: list[str] = Field(default_factory=list)  # category ids
    lifecycle_status: LifecycleStatus = LifecycleStatus.LAUNCHED
    return_policy: ReturnPolicy | None = None

    @property
    def is_bundle(self) -> bool:
        return bool(self.bundled)

    @property
    def orderable(self) -> bool:
        """New products of it may be ordered (alone, if sellable, or in a bundle)."""
        return self.lifecycle_status == LifecycleStatus.LAUNCHED


class CatalogDefaults(CatalogModel):
    retry: RetryPolicy = Field(default_factory=RetryPolicy)


class CatalogVersion(CatalogModel):
    version: str = Field(pattern=r"^[0-9]+(\.[0-9]+)*$")
    description: str = ""
    defaults: CatalogDefaults = Field(default_factory=CatalogDefaults)
    categories: list[Category] = Field(default_factory=list)
    # Prices created on their own (TMF620 productOfferingPrice), not yet in an offering.
    prices: list[PriceSpec] = Field(default_factory=list)
    # Discounts created on their own (TMF620 productOfferingPrice of priceType discount).
    discounts: list[DiscountRule] = Field(default_factory=list)
    offerings: list[ProductOffering] = Field(default_factory=list)
    product_specifications: list[ProductSpecification] = Field(default_factory=list)
    service_specifications: list[ServiceSpecification] = Field(default_factory=list)
    resource_specifications: list[ResourceSpecification] = Field(default_factory=list)
    # Order rules (enrichment, duplicates, approval): decomposition/rules.py.
    rules: list[OrderRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> CatalogVersion:
        # Imported here: the checker reads this module's classes (no import cycle at load).
        from decomposition.catalog_check import CatalogChecker

        errors = CatalogChecker(self).check()
        if errors:
            raise ValueError("invalid catalog:\n- " + "\n- ".join(errors))
        return self

    @cached_property
    def index(self) -> CatalogIndex:
        """Lookups by id, built once (plain dicts: decomposition reads them thousands of times)."""
        return CatalogIndex(self)

    def offering(self, offering_id: str) -> ProductOffering | None:
        return self.index.offerings.get(offering_id)

    def spec(self, spec_id: str) -> Specification | None:
        return self.index.specs.get(spec_id)

    def product_spec(self, spec_id: str) -> ProductSpecification | None:
        spec = self.index.specs.get(spec_id)
        return spec if isinstance(spec, ProductSpecification) else None

    def condition(self, text: str) -> Condition:
        return self.index.conditions[text]

    @staticmethod
    def domain_of(spec: Specification) -> Domain:
        if isinstance(spec, ProductSpecification):
            return Domain.PRODUCT
        if isinstance(spec, ServiceSpecification):
            return Domain.SERVICE
        return Domain.RESOURCE

    def task_count(self) -> int:
        return sum(len(ts) for s in self.index.specs.values() for ts in s.tasks.values())


class CatalogIndex:
    def __init__(self, catalog: CatalogVersion) -> None:
        self.offerings = {o.id: o for o in catalog.offerings}
        specs: list[Specification] = [
            *catalog.product_specifications,
            *catalog.service_specifications,
            *catalog.resource_specifications,
        ]
        self.specs = {s.id: s for s in specs}
        self.domains = {s.id: CatalogVersion.domain_of(s) for s in specs}
        texts = [r.condition for s in specs for r in s.relationships if r.condition]
        texts += [c.required_when for s in specs for c in s.characteristics if c.required_when]
        texts += [p.condition for o in catalog.offerings for p in o.prices if p.condition]
        texts += [t.when for s in specs for ts in s.tasks.values() for t in ts if t.when]
        self.conditions = {text: parse_condition(text) for text in texts}


def version_key(version: str) -> tuple[int, ...]:
    """Orders versions numerically: "2026.10" comes after "2026.9"."""
    return tuple(int(part) for part in version.split("."))


class CatalogRepository:
    """The catalog versions known to this deployment. Orders keep the version they started on."""

    def __init__(self, versions: list[CatalogVersion]) -> None:
        if not versions:
            raise ValueError("a catalog repository needs at least one version")
        self._versions = {v.version: v for v in versions}
        if len(self._versions) != len(versions):
            raise ValueError("two catalog versions have the same version name")
        self._latest = max(self._versions, key=version_key)

    @property
    def latest(self) -> CatalogVersion:
        return self._versions[self._latest]

    @property
    def versions(self) -> list[str]:
        return sorted(self._versions, key=version_key)

    def get(self, version: str | None = None) -> CatalogVersion:
        """The named version (KeyError if unknown), or the latest when None."""
        if version is None:
            return self.latest
        try:
            return self._versions[version]
        except KeyError:
            raise KeyError(f"unknown catalog version {version!r}") from None
