"""Refuse a request body that is not JSON with 415, naming the types accepted.

Without this, FastAPI reads a body sent as `text/plain` (or with no Content-Type) as bytes and
answers 422 "Input should be a valid dictionary", which sends the caller looking at the body
instead of the header. Plain ASGI, like `RefuseNulCharacters`; the body is not read here.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
_WITH_BODY = {"POST", "PUT", "PATCH"}


def accepted_types(method: str) -> tuple[str, ...]:
    return (MERGE_PATCH, JSON) if method == "PATCH" else (JSON,)


def has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    if length is not None:
        return length.strip() not in {"", "0"}
    return "transfer-encoding" in headers


class RequireJsonBody:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _WITH_BODY:
            headers = Headers(scope=scope)
            given = headers.get("content-type", "").split(";")[0].strip().lower()
            accepted = accepted_types(scope["method"])
            if has_body(headers) and given not in accepted:
                response = error_response(
                    415,
                    "UnsupportedMediaType",
                    f"Content-Type {given or '(none)'} is not accepted",
                    f"Send the body as {' or '.join(accepted)}",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
