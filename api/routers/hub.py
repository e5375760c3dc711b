"""TMF622 / TMF688 event subscriptions: /tmf-api/productOrderingManagement/v4/hub.

A listener registers `{callback, query, secret?}`; from then on it receives every order event
matching `query` (store.hub.EventQuery: e.g.
`eventType=ProductOrderStateChangeEvent&event.productOrder.state=completed`) as a POST of the TMF
event body, at least once, in order per order. Each POST carries `X-Tessera-Event-Id` (also the
body's `eventId`: de-duplicate on it) and, when a secret was given, `X-Tessera-Signature:
sha256=<hex HMAC-SHA256 of the exact body with the secret>`. The secret is never returned.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from temporalio.service import RPCError

from activities.callback_targets import refusal_of
from api.dependencies import SettingsDep
from api.errors import TmfError
from api.identity import requires
from api.permissions import Permission
from api.temporal import get_client
from config.settings import Settings
from observability.logs import get_logger
from store import hub
from store.hub_tables import HubSubscriptionRecord
from tmf.product_order import PRODUCT_ORDERING_BASE
from workflows.event_delivery_starter import start_subscription_delivery

log = get_logger(__name__)
router = APIRouter(prefix=PRODUCT_ORDERING_BASE, tags=["hub"])


class HubCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    callback: str = Field(min_length=1, max_length=2000)
    query: str | None = Field(default=None, max_length=4000)
    secret: str | None = Field(default=None, min_length=1, max_length=500)


def _hub_view(record: HubSubscriptionRecord) -> dict[str, str]:
    return {"id": record.id, "callback": record.callback, "query": record.query}


def _hub_href(base_url: str, subscription_id: str) -> str:
    return f"{base_url}{PRODUCT_ORDERING_BASE}/hub/{subscription_id}"


async def _check_callback(callback: str, settings: Settings) -> None:
    refusal = await run_in_threadpool(refusal_of, callback, settings)
    if refusal is not None:
        raise TmfError(400, "InvalidCallback", refusal)


@router.post(
    "/hub",
    status_code=201,
    summary="Register a listener (starts its delivery workflow)",
    responses={201: {"description": "Subscribed; `Location` is the subscription's href"}},
    dependencies=[requires(Permission.HUB_MANAGE)],
)
async def register_listener(body: HubCreate, settings: SettingsDep) -> JSONResponse:
    await _check_callback(body.callback, settings)
    query = (body.query or "").strip()
    try:
        hub.EventQuery.parse(query)
    except hub.InvalidEventQueryError as err:
        raise TmfError(400, "InvalidQuery", "Invalid hub query", str(err)) from None
    record = await run_in_threadpool(hub.create_subscription, body.callback, query, body.secret)
    try:
        await start_subscription_delivery(await get_client(), record.id)
    except (RPCError, RuntimeError, OSError) as err:
        log.warning("hub workflow start failed", subscription_id=record.id, error=str(err))
        await run_in_threadpool(hub.forget_subscription, record.id)
        raise TmfError(
            503, "ServiceUnavailable", "The listener could not be registered; retry"
        ) from err
    log.info("listener registered", subscription_id=record.id, callback=record.callback)
    return JSONResponse(
        status_code=201,
        content=_hub_view(record),
        headers={"Location": _hub_href(settings.public_base_url, record.id)},
    )


@router.get(
    "/hub/{subscription_id}",
    summary="Retrieve a listener's subscription",
    dependencies=[requires(Permission.HUB_MANAGE)],
)
def retrieve_listener(subscription_id: str) -> JSONResponse:
    record = hub.get_subscription(subscription_id)
    if record is None:
        raise TmfError(404, "NotFound", f"No hub subscription with id '{subscription_id}'")
    return JSONResponse(_hub_view(record))


@router.delete(
    "/hub/{subscription_id}",
    status_code=204,
    summary="Unregister a listener (stops delivery)",
    dependencies=[requires(Permission.HUB_MANAGE)],
)
def unregister_listener(subscription_id: str) -> Response:
    # The delivery workflow sees the deletion at its next outbox poll and ends; each delivery
    # attempt checks it too, so retries in flight stop as well.
    if not hub.delete_subscription(subscription_id):
        raise TmfError(404, "NotFound", f"No hub subscription with id '{subscription_id}'")
    log.info("listener unregistered", subscription_id=subscription_id)
    return Response(status_code=204)
