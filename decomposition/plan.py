"""The orchestration plan: domain orders and a DAG of tasks. Kept in Temporal workflow state.

Everything here is plain data plus pure graph helpers (topological order, ready tasks, critical
path, diff); nothing reads a clock, so the helpers are safe inside a workflow.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Self, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field

from decomposition.catalog import Action, Domain, TaskKind, WaitSource

# Setters of the instance slots of pydantic models, called directly: `object.__setattr__` is
# slower (it looks each name up). `trusted` sets four per instance, for ~11,000 instances; the
# plan builder inlines the same four calls in its loop (a function call costs as much again).
new_instance = object.__new__
set_dict = BaseModel.__dict__["__dict__"].__set__
set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
set_private = BaseModel.__dict__["__pydantic_private__"].__set__

# Per model class, the names of all its fields: the `model_fields_set` of `trusted` instances.
_all_fields: dict[type[BaseModel], set[str]] = {}

# What a plan's task list implies (its index by id, its topological order), kept for the plans
# used last (issue 24: an order of 1,000 items asked for its 7,500 tasks' order several times
# per task event, and found a task by walking the list). A plan is complete when it is built
# and never changed in place (amendments and extensions make new plans), so an entry holds as
# long as its task list is the very same list of the same length; the entry keeps that list
# alive, so its id cannot be reused meanwhile.
_DERIVED_KEPT = 256
_derived: OrderedDict[int, tuple[list[Any], int, dict[str, Any]]] = OrderedDict()


def _derived_of(tasks: list[Any]) -> dict[str, Any]:
    entry = _derived.get(id(tasks))
    if entry is None or entry[0] is not tasks or entry[1] != len(tasks):
        entry = (tasks, len(tasks), {})
        _derived[id(tasks)] = entry
        while len(_derived) > _DERIVED_KEPT:
            _derived.popitem(last=False)
    return entry[2]


T = TypeVar("T")


def kept_for(tasks: list[Any], name: str, build: Callable[[], T]) -> T:
    """What `build` derives from a plan's tasks, kept while the list is the same (see above)."""
    derived = _derived_of(tasks)
    if name not in derived:
        derived[name] = build()
    return cast(T, derived[name])


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _all_fields[cls] = set(cls.__pydantic_fields__)

    @classmethod
    def trusted(cls, data: dict[str, Any]) -> Self:
        """An instance from data the decomposer built itself, already of the right types.

        Skips validation like `model_construct`, but without its per-field loop: a plan of
        1,000 items has ~11,000 of these objects and this keeps it within the time budget.
        `data` must hold every field, in field order (tests check the result equals a
        validated copy).

        Every field is set, so the instances of a class share one `model_fields_set`: a new
        set of ~20 names per instance would cost more than the rest of the instance. Pydantic
        only ever adds field names to it (here, always already in it) or copies it first.
        """
        instance = new_instance(cls)
        set_dict(instance, data)
        set_fields_set(instance, _all_fields[cls])
        set_extra(instance, None)
        set_private(instance, None)
        return instance

    @classmethod
    def fields_set(cls) -> set[str]:
        """The `model_fields_set` shared by the `trusted` instances of the class."""
        return _all_fields[cls]


class DomainOrder(PlanModel):
    """A product, service (CFS/RFS) or resource order derived from one order item."""

    id: str  # e.g. "service-cfs-broadband-1"; unique in the order, stable
    domain: Domain
    spec_id: str
    category: str | None = None  # "CFS" / "RFS" for service orders
    offering_id: str | None = None  # product orders only
    item_id: str  # the order item it comes from
    root_item_id: str  # the order item at the root of the bundle (== item_id for order items)
    product_key: str  # the product instance: item id, "#n" per quantity, "/child" in a bundle
    parent_id: str | None = None  # the domain order it derives from (product -> CFS -> RFS ...)
    action: Action
    product_id: str | None = None  # the existing inventory product (modify/delete/...)
    characteristics: dict[str, Any] = Field(default_factory=dict)


class RetrySpec(PlanModel):
    model_config = ConfigDict(extra="forbid", frozen=True)  # shared by tasks of one template

    max_attempts: int
    initial_interval_seconds: float
    backoff: float
    non_retryable_errors: list[str] = Field(default_factory=list)


class CompensationSpec(PlanModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str
    operation: str

    @property
    def activity(self) -> str:
        return f"{self.system}.{self.operation}"


class PlanTask(PlanModel):
    # Fields set per product first, then those shared by every task of a catalog template (the
    # decomposer builds the dict in this order, which is also the JSON order).
    id: str  # "<domain order id>:<task key>"; stable across runs and plan extensions
    domain_order_id: str
    item_id: str
    root_item_id: str
    product_key: str
    depends_on: list[str] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    key: str  # the catalog task key
    name: str
    kind: TaskKind
    system: str | None = None
    operation: str | None = None
    queue: str | None = None
    skill: str | None = None
    milestone: str | None = None
    wait_for: WaitSource | None = None
    expected_duration_seconds: int
    point_of_no_return: bool = False
    hard_point_of_no_return: bool = False  # assetization: nothing before it is undone after it
    compensation: CompensationSpec | None = None
    retry: RetrySpec
    characteristics: list[str] = Field(default_factory=list)  # the ones it is tied to
    result_schema: dict[str, Any] | None = None  # what a manual task's result must contain

    @property
    def activity(self) -> str | None:
        """The activity an automated task calls: "<system>.<operation>"."""
        if self.system is None or self.operation is None:
            return None
        return f"{self.system}.{self.operation}"


class DeferredPart(PlanModel):
    """A product instance not decomposed yet: required information is missing."""

    item_id: str
    root_item_id: str
    product_key: str
    offering_id: str
    spec_id: str
    action: Action
    missing: list[str] = Field(default_factory=list)  # characteristics to supply
    waiting_for: list[str] = Field(default_factory=list)  # deferred product keys it relies on


class CriticalPath(PlanModel):
    task_ids: list[str]
    duration_seconds: float


class PlanDiff(PlanModel):
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)  # same id, other params or dependencies
    unchanged: list[str] = Field(default_factory=list)


class PlanCycleError(ValueError):
    pass


class Plan(PlanModel):
    order_id: str | None = None
    catalog_version: str
    domain_orders: list[DomainOrder] = Field(default_factory=list)
    tasks: list[PlanTask] = Field(default_factory=list)
    deferred: list[DeferredPart] = Field(default_factory=list)

    def task(self, task_id: str) -> PlanTask:
        derived = _derived_of(self.tasks)
        index: dict[str, PlanTask] | None = derived.get("by_id")
        if index is None:
            index = {}
            for task in self.tasks:
                index.setdefault(task.id, task)  # the first of an id, as a walk finds it
            derived["by_id"] = index
        return index[task_id]

    def tasks_of_item(self, item_id: str) -> list[PlanTask]:
        return [t for t in self.tasks if t.item_id == item_id]

    def topological_order(self) -> list[str]:
        """Task ids, each after its dependencies; ties keep plan order. PlanCycleError if none."""
        derived = _derived_of(self.tasks)
        order: list[str] | None = derived.get("topological_order")
        if order is None:
            order = derived["topological_order"] = self._topological_order()
        return list(order)

    def _topological_order(self) -> list[str]:
        return topological_order([(t.id, t.depends_on) for t in self.tasks])

    def ready_tasks(self, done: Iterable[str], started: Iterable[str] = ()) -> list[PlanTask]:
        """Tasks not done nor started whose dependencies are all done, in plan order."""
        done_set = set(done)
        skip = done_set | set(started)
        return [
            t
            for t in self.tasks
            if t.id not in skip and all(dep in done_set for dep in t.depends_on)
        ]

    def critical_path(self, durations: Mapping[str, float] | None = None) -> CriticalPath:
        """The longest chain of dependent tasks. `durations` overrides expected durations
        (e.g. actual durations of finished tasks, 0 for tasks already done)."""
        return longest_chain(self._chain_rows(), self._task_ids(), durations)

    def _chain_rows(self) -> list[tuple[str, list[str], int]]:
        """(task id, its dependencies, expected seconds) in topological order, kept per plan: the
        order workflow walks them at each jeopardy assessment (issue 24: 7,500 tasks)."""

        def build() -> list[tuple[str, list[str], int]]:
            by_id = {t.id: t for t in self.tasks}
            return [
                (i, by_id[i].depends_on, by_id[i].expected_duration_seconds)
                for i in self.topological_order()
            ]

        return kept_for(self.tasks, "chain_rows", build)

    def _task_ids(self) -> dict[str, None]:
        """Task ids in plan order, the first of each id (as `{t.id: t}` keeps them), per plan."""
        return kept_for(self.tasks, "task_ids", lambda: dict.fromkeys(t.id for t in self.tasks))

    def expected_duration_seconds(self, durations: Mapping[str, float] | None = None) -> float:
        return self.critical_path(durations).duration_seconds


def _comparable(task: PlanTask) -> tuple[Any, ...]:
    return (task.params, sorted(task.depends_on), task.system, task.operation, task.queue)


def diff(old: Plan, new: Plan) -> PlanDiff:
    """Tasks added, removed, changed (params, dependencies or target) and unchanged, by id."""
    old_tasks = {t.id: t for t in old.tasks}
    new_tasks = {t.id: t for t in new.tasks}
    result = PlanDiff()
    for task_id, task in new_tasks.items():
        before = old_tasks.get(task_id)
        if before is None:
            result.added.append(task_id)
        elif _comparable(before) != _comparable(task):
            result.changed.append(task_id)
        else:
            result.unchanged.append(task_id)
    result.removed = [i for i in old_tasks if i not in new_tasks]
    return result


# -- over bare rows: a plan's tasks, or a stored plan view's (the timeline of a large order) --


def topological_order(tasks: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """Ids of (id, dependencies) in plan order, each after its dependencies; ties keep plan
    order. PlanCycleError if there is none."""
    position = {task_id: i for i, (task_id, _) in enumerate(tasks)}
    remaining = {task_id: len(depends_on) for task_id, depends_on in tasks}
    dependents: dict[str, list[str]] = {task_id: [] for task_id, _ in tasks}
    for task_id, depends_on in tasks:
        for dep in depends_on:
            if dep not in dependents:
                raise PlanCycleError(f"task '{task_id}' depends on unknown task '{dep}'")
            dependents[dep].append(task_id)
    ready = [(position[i], i) for i, n in remaining.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, task_id = heapq.heappop(ready)
        order.append(task_id)
        for nxt in dependents[task_id]:
            remaining[nxt] -= 1
            if remaining[nxt] == 0:
                heapq.heappush(ready, (position[nxt], nxt))
    if len(order) != len(tasks):
        stuck = sorted(i for i, n in remaining.items() if n > 0)
        raise PlanCycleError(f"tasks depend on each other in a cycle: {stuck[:10]}")
    return order


def critical_path_of(
    tasks: Sequence[tuple[str, Sequence[str], float]], durations: Mapping[str, float] | None = None
) -> CriticalPath:
    """`Plan.critical_path` over bare rows (id, dependencies, expected seconds) in plan order: a
    stored plan view's, which is not a `Plan`."""
    expected = {task_id: (deps, seconds) for task_id, deps, seconds in tasks}
    order = topological_order([(task_id, deps) for task_id, deps, _ in tasks])
    return longest_chain([(i, *expected[i]) for i in order], expected, durations)


def longest_chain(
    chain_rows: Sequence[tuple[str, Sequence[str], float]],
    task_ids: Iterable[str],
    durations: Mapping[str, float] | None = None,
) -> CriticalPath:
    """The critical path over (id, dependencies, expected seconds) in topological order;
    `task_ids` in plan order (ties go to the first); `durations` override expected ones."""
    finish: dict[str, float] = {}
    via: dict[str, str | None] = {}
    for task_id, depends_on, expected in chain_rows:
        start, before = 0.0, None
        for dep in depends_on:
            if finish[dep] > start or (finish[dep] == start and before is None):
                start, before = finish[dep], dep
        own = durations.get(task_id) if durations is not None else None
        finish[task_id] = start + (expected if own is None else own)
        via[task_id] = before
    if not finish:
        return CriticalPath(task_ids=[], duration_seconds=0.0)
    # The latest-finishing task; ties go to the first in plan order, so the path is stable.
    last = max(task_ids, key=finish.__getitem__)
    path: list[str] = []
    node: str | None = last
    while node is not None:
        path.append(node)
        node = via[node]
    return CriticalPath(task_ids=path[::-1], duration_seconds=finish[last])
