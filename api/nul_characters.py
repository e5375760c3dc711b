"""Refuse the NUL character (U+0000) in a request, before any handler sees it.

PostgreSQL text cannot hold it, so a value with one failed at the store's insert with a 500
(found by the schemathesis test); SQLite took it. No TMF value needs it: refusing it at the
edge gives every store the same clear 4xx. Plain ASGI, like `RequestLogContext`.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

# In JSON text a NUL is the escape \u0000; a backslash before it (an even run of them) would
# make it the literal text "\u0000" instead.
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_WITH_BODY = {"POST", "PUT", "PATCH"}
REASON = "Text values must not contain the NUL character (U+0000)"


class RefuseNulCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await error_response(400, "InvalidRequest", REASON)(scope, receive, send)
            return
        if scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        if _ESCAPED_NUL.search(body):
            await error_response(422, "InvalidBody", REASON)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
