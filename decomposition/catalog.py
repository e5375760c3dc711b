"""The catalog model: offerings, product/service/resource specifications and fulfillment tasks.

A `CatalogVersion` is checked when it is built (references resolve, layers are respected, task
graphs are acyclic, conditions parse), so decomposition never meets a broken catalog. Field names
are camelCase in YAML (TMF style) and snake_case in Python.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from decomposition.conditions import Condition, ConditionError, parse_condition
from decomposition.graph import find_cycle
from decomposition.rules import OrderRule, check_rules

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


class DiscountRule(CatalogModel):
    id: str
    name: str
    description: str = ""
    applies_to: PriceType
    percentage: Decimal | None = Field(default=None, gt=0, le=100)
    amount: Decimal | None = Field(default=None, gt=0)  # per unit of quantity
    channels: list[Channel] = Field(default_factory=list)  # empty: any channel

    @model_validator(mode="after")
    def _percentage_or_amount(self) -> DiscountRule:
        if (self.percentage is None) == (self.amount is None):
            raise ValueError(f"discount {self.id}: give exactly one of percentage and amount")
        return self


class LifecycleStatus(StrEnum):
    """TMF620 lifecycle: only launched offerings are sold; a retired one can no longer be
    ordered, but products already sold with it still change and disconnect."""

    IN_DESIGN = "In design"
    LAUNCHED = "Launched"
    RETIRED = "Retired"


class Category(CatalogModel):
    """A TMF620 category grouping offerings (Internet, Mobile, TV ...), possibly nested."""

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    description: str = ""
    parent: str | None = None


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
    offerings: list[ProductOffering] = Field(default_factory=list)
    product_specifications: list[ProductSpecification] = Field(default_factory=list)
    service_specifications: list[ServiceSpecification] = Field(default_factory=list)
    resource_specifications: list[ResourceSpecification] = Field(default_factory=list)
    # Order rules (enrichment, duplicates, approval): decomposition/rules.py.
    rules: list[OrderRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> CatalogVersion:
        errors = _CatalogChecker(self).check()
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


_LAYER: dict[RelationshipType, tuple[type[Specification], type[Specification]]] = {
    RelationshipType.REALIZED_AS: (ProductSpecification, ServiceSpecification),
    RelationshipType.REQUIRES: (ServiceSpecification, ServiceSpecification),
    RelationshipType.USES: (ServiceSpecification, ResourceSpecification),
}


class _CatalogChecker:
    """Collects every inconsistency of a catalog version, so a broken file is reported in full."""

    def __init__(self, catalog: CatalogVersion) -> None:
        self.catalog = catalog
        self.errors: list[str] = []
        self.specs: dict[str, Specification] = {}
        self.secrets: dict[str, CharacteristicSpec] = {}
        self.offerings = {o.id: o for o in catalog.offerings}

    def error(self, message: str) -> None:
        self.errors.append(message)

    def check(self) -> list[str]:
        all_specs: list[Specification] = [
            *self.catalog.product_specifications,
            *self.catalog.service_specifications,
            *self.catalog.resource_specifications,
        ]
        for spec in all_specs:
            if spec.id in self.specs:
                self.error(f"id '{spec.id}' is defined twice")
            self.specs[spec.id] = spec
        if len(self.offerings) != len(self.catalog.offerings):
            self.error("two offerings have the same id")
        self._check_categories()
        for offering in self.catalog.offerings:
            self._check_offering(offering)
        for spec in all_specs:
            self._check_spec(spec)
        for product in self.catalog.product_specifications:
            self._check_product_tree(product)
        names = {c.name for s in self.catalog.product_specifications for c in s.characteristics}
        secrets = frozenset(
            c.name
            for s in self.catalog.product_specifications
            for c in s.characteristics
            if c.secret
        )
        self.errors.extend(check_rules(self.catalog.rules, names, secrets))
        return self.errors

    def _check_condition(self, text: str | None, names: set[str], where: str) -> None:
        if text is None:
            return
        try:
            condition = parse_condition(text)
        except ConditionError as exc:
            self.error(f"{where}: {exc}")
            return
        unknown = sorted(condition.names - names)
        if unknown:
            self.error(f"{where}: condition {text!r} reads unknown characteristics {unknown}")

    def _check_categories(self) -> None:
        categories = {c.id: c for c in self.catalog.categories}
        if len(categories) != len(self.catalog.categories):
            self.error("two categories have the same id")
        for category in self.catalog.categories:
            if category.parent is not None and category.parent not in categories:
                self.error(f"category '{category.id}': parent '{category.parent}' is not defined")
        graph = {c.id: [c.parent] if c.parent else [] for c in self.catalog.categories}
        if find_cycle(graph):
            self.error("categories are each other's parents in a cycle")
        for offering in self.catalog.offerings:
            for category_id in offering.category:
                if category_id not in categories:
                    self.error(f"offering '{offering.id}': category '{category_id}' is not defined")

    def _check_offering(self, offering: ProductOffering) -> None:
        where = f"offering '{offering.id}'"
        spec_id = offering.product_specification
        spec = self.specs.get(spec_id) if spec_id else None
        if spec_id and not isinstance(spec, ProductSpecification):
            self.error(f"{where}: product specification '{spec_id}' is not defined")
        if not spec_id and not offering.is_bundle:
            self.error(f"{where}: a simple offering must name its product specification")
        names = {c.name for c in spec.characteristics} if spec else set()
        for price in offering.prices:
            if price.price_type == PriceType.RECURRING and not price.recurring_period:
                self.error(f"{where}: recurring price '{price.id}' needs a recurringPeriod")
            self._check_condition(price.condition, names, f"{where} price '{price.id}'")
            if price.per_unit_of is not None and price.per_unit_of not in names:
                self.error(f"{where} price '{price.id}': unknown perUnitOf '{price.per_unit_of}'")
        for name, allowed in offering.char_value_use.items():
            char = spec.characteristic(name) if spec else None
            if char is None:
                self.error(f"{where}: charValueUse names unknown characteristic '{name}'")
            elif not allowed or (
                char.allowed_values and any(v not in char.allowed_values for v in allowed)
            ):
                self.error(f"{where}: charValueUse of '{name}' must be allowed values of the spec")
        keys = [b.key for b in offering.bundled]
        if len(set(keys)) != len(keys):
            self.error(f"{where}: bundled keys are not unique")
        for child in offering.bundled:
            target = self.offerings.get(child.offering)
            if target is None:
                self.error(f"{where}: bundled offering '{child.offering}' is not defined")
            elif offering.orderable and not target.orderable:
                self.error(
                    f"{where}: bundled offering '{child.offering}' is "
                    f"{target.lifecycle_status.value}, not launched"
                )
            elif target.is_bundle:
                self.error(f"{where}: bundles cannot nest (child '{child.offering}' is a bundle)")
            for key in child.relies_on:
                if key not in keys or key == child.key:
                    self.error(f"{where}: child '{child.key}' relies on unknown child '{key}'")
        graph = {b.key: [k for k in b.relies_on if k in keys] for b in offering.bundled}
        if find_cycle(graph):
            self.error(f"{where}: bundled children rely on each other in a cycle")

    def _check_spec(self, spec: Specification) -> None:
        where = f"spec '{spec.id}'"
        names = {c.name for c in spec.characteristics}
        if len(names) != len(spec.characteristics):
            self.error(f"{where}: characteristic names are not unique")
        for char in spec.characteristics:
            self._check_condition(char.required_when, names, f"{where} '{char.name}'")
            if char.pattern is not None:
                try:
                    re.compile(char.pattern)
                except re.error as exc:
                    self.error(f"{where} '{char.name}': bad pattern: {exc}")
            if char.secret and (char.assetizable or char.value_type != ValueType.STRING):
                self.error(f"{where} '{char.name}': a secret is a string and not assetizable")
            if char.secret and self.secrets.setdefault(char.name, char) != char:
                # Sealing (secrets.py) checks a secret value by its name alone.
                self.error(f"{where} '{char.name}': another spec has another secret of this name")
        if isinstance(spec, ProductSpecification):
            for other in spec.relies_on_specs:
                if not isinstance(self.specs.get(other), ProductSpecification):
                    self.error(f"{where}: reliesOnSpecs names unknown product spec '{other}'")
        for rel in spec.relationships:
            self._check_relationship(spec, rel, names)
        for action, templates in spec.tasks.items():
            keys = [t.key for t in templates]
            if len(set(keys)) != len(keys):
                self.error(f"{where} {action.value}: task keys are not unique")
            for template in templates:
                self._check_task(spec, action, template, names)

    def _check_relationship(
        self, spec: Specification, rel: SpecRelationship, names: set[str]
    ) -> None:
        where = f"spec '{spec.id}' {rel.type.value} '{rel.target}'"
        target = self.specs.get(rel.target)
        source_type, target_type = _LAYER[rel.type]
        if target is None:
            self.error(f"{where}: target is not defined")
            return
        if not isinstance(spec, source_type) or not isinstance(target, target_type):
            self.error(f"{where}: a {rel.type.value} relationship links the wrong layers")
        if rel.type == RelationshipType.REALIZED_AS and (
            not isinstance(target, ServiceSpecification) or target.category != ServiceCategory.CFS
        ):
            self.error(f"{where}: a product is realized as a CFS")
        if rel.type == RelationshipType.REQUIRES and not (
            isinstance(spec, ServiceSpecification)
            and spec.category == ServiceCategory.CFS
            and isinstance(target, ServiceSpecification)
            and target.category == ServiceCategory.RFS
        ):
            self.error(f"{where}: a CFS requires an RFS")
        if rel.type == RelationshipType.USES and not (
            isinstance(spec, ServiceSpecification) and spec.category == ServiceCategory.RFS
        ):
            self.error(f"{where}: an RFS uses a resource")
        self._check_condition(rel.condition, names, where)
        target_names = {c.name for c in target.characteristics}
        for to_name, from_name in rel.attribute_mapping.items():
            if from_name not in names:
                self.error(f"{where}: mapping reads unknown characteristic '{from_name}'")
            if to_name not in target_names:
                self.error(f"{where}: mapping writes unknown characteristic '{to_name}'")
        if rel.repeat_per is not None:
            char = spec.characteristic(rel.repeat_per)
            if char is None or char.value_type != ValueType.INTEGER:
                self.error(
                    f"{where}: repeatPer '{rel.repeat_per}' is not an integer characteristic"
                )
        if rel.index_as is not None and rel.index_as not in target_names:
            self.error(f"{where}: indexAs '{rel.index_as}' is not a characteristic of the target")

    def _check_task(
        self, spec: Specification, action: Action, task: TaskTemplate, names: set[str]
    ) -> None:
        where = f"spec '{spec.id}' {action.value} task '{task.key}'"
        if task.kind == TaskKind.AUTOMATED:
            self._check_operation(where, task.system, task.operation)
        elif task.kind == TaskKind.MANUAL and not (task.queue and task.skill):
            self.error(f"{where}: a manual task needs a queue and a skill")
        elif task.kind == TaskKind.MILESTONE and not task.milestone:
            self.error(f"{where}: a milestone task needs a milestone name")
        elif task.kind == TaskKind.WAIT_UNTIL:
            if task.wait_for is None:
                self.error(f"{where}: a waitUntil task needs waitFor")
            if task.wait_for == WaitSource.APPOINTMENT and not task.wait_for_task:
                self.error(f"{where}: waiting for an appointment needs waitForTask")
        if task.compensation is not None:
            self._check_operation(
                f"{where} compensation", task.compensation.system, task.compensation.operation
            )
        if task.assetization and not isinstance(spec, ProductSpecification):
            self.error(f"{where}: only a product specification assetizes")
        for name in [*task.characteristics, *(task.inputs or [])]:
            if name not in names:
                self.error(f"{where}: unknown characteristic '{name}'")
        self._check_condition(task.when, names, where)

    def _check_operation(self, where: str, system: str | None, operation: str | None) -> None:
        if system not in SOUTHBOUND_OPERATIONS:
            self.error(f"{where}: unknown system '{system}'")
        elif operation not in SOUTHBOUND_OPERATIONS[system]:
            self.error(f"{where}: system '{system}' has no operation '{operation}'")

    def _check_product_tree(self, product: ProductSpecification) -> None:
        """Per action: the specs a product may reach, references between their tasks, no cycle."""
        reachable: list[Specification] = []
        stack: list[Specification] = [product]
        while stack:
            spec = stack.pop()
            if any(s.id == spec.id for s in reachable):
                self.error(f"product spec '{product.id}': spec '{spec.id}' is reached twice")
                continue
            reachable.append(spec)
            stack.extend(
                self.specs[r.target] for r in reversed(spec.relationships) if r.target in self.specs
            )
        by_id = {s.id: s for s in reachable}
        for action, templates in product.tasks.items():
            where = f"product spec '{product.id}' {action.value}"
            if sum(1 for t in templates if t.assetization) != 1:
                self.error(f"{where}: needs exactly one assetization task")
            graph: dict[str, list[str]] = {}
            for spec in reachable:
                for task in spec.tasks.get(action, []):
                    node = f"{spec.id}:{task.key}"
                    graph[node] = []
                    refs = [*task.depends_on, *([task.wait_for_task] if task.wait_for_task else [])]
                    for ref in refs:
                        target = self._resolve_ref(spec, action, ref, by_id)
                        if target is None:
                            self.error(f"{where}: task '{node}' has unknown dependency '{ref}'")
                        elif target:
                            graph[node].append(target)
            cycle = find_cycle(graph)
            if cycle:
                self.error(f"{where}: tasks depend on each other in a cycle: {' -> '.join(cycle)}")
        for spec in reachable[1:]:
            extra = set(spec.tasks) - set(product.tasks)
            if extra:
                self.error(
                    f"spec '{spec.id}' has tasks for {sorted(a.value for a in extra)}, "
                    f"which product spec '{product.id}' does not support"
                )

    def _resolve_ref(
        self, spec: Specification, action: Action, ref: str, reachable: dict[str, Specification]
    ) -> str | None:
        """The graph node a reference names; "" for a cross-product one (checked per order)."""
        parts = ref.split(":")
        if parts[0] == "reliesOn" and len(parts) == 3:
            target = self.specs.get(parts[1])
            ok = target is not None and any(t.key == parts[2] for t in target.tasks.get(action, []))
            return "" if ok else None
        if len(parts) == 1:
            target_spec: Specification | None = spec
            key = parts[0]
        elif len(parts) == 2:
            target_spec = reachable.get(parts[0])
            key = parts[1]
            if target_spec is spec:
                return None
        else:
            return None
        if target_spec is None or not any(t.key == key for t in target_spec.tasks.get(action, [])):
            return None
        return f"{target_spec.id}:{key}"
