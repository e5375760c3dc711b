"""The delivery rows of a deleted subscription (issue 26): an attempt in flight at the deletion,
retrying or giving up, ends as `cancelled`, never as a dead letter nobody can replay."""

from __future__ import annotations

import uuid

from store import hub
from store.hub_tables import DeliveryState


def _event(consumer_id: str) -> hub.DeliveredEvent:
    return hub.DeliveredEvent(
        consumer_id=consumer_id,
        seq=1,
        event_id=str(uuid.uuid4()),
        order_id=f"o-{uuid.uuid4().hex[:8]}",
        event_type="ProductOrderStateChangeEvent",
    )


def test_an_attempt_giving_up_after_the_deletion_ends_cancelled_not_dead() -> None:
    subscription = hub.create_subscription("http://127.0.0.1:9/listener", "", None)
    event = _event(subscription.id)
    hub.record_delivery(event, DeliveryState.DELIVERING, 1, "listener answered 503")
    assert hub.delete_subscription(subscription.id)

    given_up = hub.record_delivery(event, DeliveryState.DEAD, 3, "listener answered 503")

    assert given_up.state == DeliveryState.CANCELLED
    assert given_up.last_error == "the subscription was deleted"


def test_a_live_subscription_still_gets_its_dead_letters() -> None:
    subscription = hub.create_subscription("http://127.0.0.1:9/listener", "", None)
    event = _event(subscription.id)

    given_up = hub.record_delivery(event, DeliveryState.DEAD, 3, "listener answered 503")

    assert given_up.state == DeliveryState.DEAD
    assert given_up.last_error == "listener answered 503"
