"""Bounded requests, before any route sees them: header length, body size, JSON values.

A 50 MB body used to be read whole (the event loop stalled for seconds, the API grew from 132 to
600 MB); now a body past API_MAX_BODY_BYTES is refused with 413 as soon as its `Content-Length`
says so, or while it is read, chunk by chunk. A JSON body with a value Tessera cannot pass on
(api/json_limits.py) is a 422; text that is not JSON goes to the route, which says so. Plain
ASGI, like `RequestLogContext`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from api.json_limits import JsonValueError, parse_client_json
from config.settings import get_settings

_WITH_BODY = {"POST", "PUT", "PATCH"}


class BodyTooLargeError(Exception):
    pass


def _header_problem(scope: Scope, max_chars: int) -> str | None:
    for name, value in scope.get("headers", []):
        if len(value) > max_chars:
            return f"Header '{name.decode('latin-1')[:60]}' is longer than {max_chars} characters"
    if len(scope.get("query_string", b"")) > max_chars:
        return f"The query string is longer than {max_chars} characters"
    return None


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_bounded(receive: Receive, limit: int) -> list[Message]:
    """The request's messages, raising BodyTooLargeError once the body passes `limit` bytes."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit:
            raise BodyTooLargeError
        if not message.get("more_body", False):
            return messages


class LimitRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        problem = _header_problem(scope, settings.api_max_header_chars)
        if problem is not None:
            await error_response(400, "InvalidRequest", problem)(scope, receive, send)
            return
        if scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        limit = settings.api_max_body_bytes
        too_large = error_response(
            413,
            "PayloadTooLarge",
            f"The request body is larger than {limit} bytes",
            "Split the order into several (API_MAX_BODY_BYTES sets the limit)",
        )
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await too_large(scope, receive, send)
            return
        try:
            messages = await read_bounded(receive, limit)
        except BodyTooLargeError:
            await too_large(scope, receive, send)
            return
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        if body.strip():
            try:
                parse_client_json(body, settings.api_max_json_depth)
            except JsonValueError as err:
                await error_response(422, "InvalidBody", str(err))(scope, receive, send)
                return
            except ValueError:
                pass  # not JSON: the route answers in its own words

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
