"""What every simulator shares: fault injection, exactly-once effects, finding what to act on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlmodel import Session
from temporalio.exceptions import ApplicationError

from activities.southbound.contract import (
    SOUTHBOUND_PERMANENT_ERROR,
    SouthboundRequest,
    SouthboundResult,
)
from activities.southbound.faults import inject_faults
from store.simulator_tables import SimulatorEffect, SimulatorResource
from store.simulators import (
    ResourceState,
    add_resource,
    apply_once,
    effect_by_key,
    get_resource,
    latest_resource,
    utc_now,
)


@dataclass(frozen=True)
class Outcome:
    """What an operation did: the id of the resource it made or acted on, and data to return."""

    reference: str
    data: dict[str, Any] = field(default_factory=dict)


Apply = Callable[[Session, SouthboundRequest], Outcome]


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class Simulator:
    """Base of the simulators; subclasses name their `system` and implement its operations."""

    system: ClassVar[str]
    # Params a system takes but its effect record must not keep (a porting PIN): masked there.
    redacted_params: ClassVar[frozenset[str]] = frozenset()

    def perform(self, operation: str, request: SouthboundRequest, apply: Apply) -> SouthboundResult:
        """Inject faults, then apply the operation exactly once per idempotency key."""
        inject_faults(self.system, operation)
        now = utc_now()
        effect = SimulatorEffect(
            idempotency_key=request.idempotency_key,
            system=self.system,
            operation=operation,
            order_id=request.order_id,
            item_id=request.item_id,
            task_id=request.task_id,
            compensates=request.compensates,
            request=self._recorded(request),
            result={},
            created_at=now,
        )

        def record(session: Session) -> dict[str, Any]:
            outcome = apply(session, request)
            result = SouthboundResult(
                system=self.system,
                operation=operation,
                reference=outcome.reference,
                data=outcome.data,
            )
            return result.model_dump(mode="json")

        stored, applied_now = apply_once(effect, record)
        if (stored.system, stored.operation) != (self.system, operation):
            # A caller bug: replaying another operation's result would hide it.
            raise ApplicationError(
                f"idempotency key {request.idempotency_key!r} was already used for "
                f"{stored.system}.{stored.operation}, not {self.system}.{operation}",
                type=SOUTHBOUND_PERMANENT_ERROR,
                non_retryable=True,
            )
        result = SouthboundResult.model_validate(stored.result)
        return result.model_copy(update={"replayed": not applied_now})

    def _recorded(self, request: SouthboundRequest) -> dict[str, Any]:
        recorded = request.model_dump(mode="json")
        params = recorded["params"]
        for name in self.redacted_params & params.keys():
            params[name] = "***"
        return recorded

    # --- Helpers for operations, all within the effect's transaction ---------------------------

    def create(
        self,
        session: Session,
        request: SouthboundRequest,
        kind: str,
        state: ResourceState,
        prefix: str,
        data: dict[str, Any] | None = None,
    ) -> SimulatorResource:
        now = utc_now()
        return add_resource(
            session,
            SimulatorResource(
                id=new_id(prefix),
                system=self.system,
                kind=kind,
                state=state.value,
                order_id=request.order_id,
                item_id=request.item_id,
                task_id=request.task_id,
                created_by=request.idempotency_key,
                updated_by=request.idempotency_key,
                data=data or {},
                created_at=now,
                updated_at=now,
            ),
        )

    def find_target(
        self,
        session: Session,
        request: SouthboundRequest,
        kind: str,
        states: Collection[ResourceState],
    ) -> SimulatorResource | None:
        """The resource an operation acts on, by the first of these that is given:

        the effect it compensates, then an explicit `params["reference"]`, then the newest
        resource of the same order item in one of `states`.
        """
        if request.compensates:
            undone = effect_by_key(session, request.compensates)
            return self._own(session, undone.result.get("reference") if undone else None, kind)
        reference = request.params.get("reference")
        if isinstance(reference, str) and reference:
            return self._own(session, reference, kind)
        return latest_resource(
            session,
            self.system,
            kind,
            request.order_id,
            request.item_id,
            [s.value for s in states],
        )

    def _own(
        self, session: Session, resource_id: str | None, kind: str
    ) -> SimulatorResource | None:
        found = get_resource(session, resource_id) if resource_id else None
        if found is None or found.system != self.system or found.kind != kind:
            return None
        return found

    def transition(
        self,
        session: Session,
        request: SouthboundRequest,
        kind: str,
        from_states: Collection[ResourceState],
        to_state: ResourceState,
        data: dict[str, Any] | None = None,
    ) -> Outcome:
        """Move the target resource to `to_state`; a no-op success when there is none to move.

        Undo operations rely on this: undoing what was never done (or is already undone) succeeds.
        """
        target = self.find_target(session, request, kind, from_states)
        if target is None or target.state not in from_states:
            return Outcome(
                reference=target.id if target is not None else "",
                data={"noop": True, "state": target.state if target is not None else None},
            )
        self.set_state(request, target, to_state, data)
        session.add(target)
        return Outcome(reference=target.id, data={"state": to_state.value, **(data or {})})

    @staticmethod
    def set_state(
        request: SouthboundRequest,
        resource: SimulatorResource,
        state: ResourceState,
        data: dict[str, Any] | None = None,
    ) -> None:
        resource.state = state.value
        resource.updated_by = request.idempotency_key
        resource.updated_at = utc_now()
        if data:
            # A new dict, so that SQLAlchemy sees the JSON column change.
            resource.data = {**resource.data, **data}
