"""TMF error shape for every 4xx (and the rare 5xx): `{code, reason, message, status, @type}`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from observability.logs import get_logger
from tmf.common import ErrorBody


class TmfError(Exception):
    """Raise from a route to answer with a TMF error body."""

    def __init__(
        self,
        status: int,
        code: str,
        reason: str,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason
        self.message = message
        self.headers = headers


# What to do about an error, for the errors whose reason alone leaves the caller guessing.
HINTS = {
    "NotFound": "Check the id: no such resource exists here",
    "InvalidState": "The resource's current state does not allow this request",
    "ReadOnlyField": "Leave out the fields the server sets (id, href, orderDate, state, ...)",
    "NonPatchableField": "Leave out the fields an amendment cannot change",
    "InvalidResult": "The result must match the task's result schema (GET /ops/v1/tasks/{id})",
    "PointOfNoReturn": (
        "An affected item passed its point of no return; a manager may lift a soft one "
        "(POST /ops/v1/orders/{id}/ponr-override)"
    ),
    "InvalidQuery": "Correct the query parameter named in the reason",
    "MethodNotAllowed": "The resource does not take this HTTP method",
}


def error_response(
    status: int,
    code: str,
    reason: str,
    message: str | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A TMF error body; `details` adds extension fields (e.g. the problems item by item)."""
    # Every error carries a message: the caller's own, else what to do about it, else the reason.
    body = ErrorBody(
        code=code,
        reason=reason,
        message=message or HINTS.get(code, reason),
        status=str(status),
    )
    return JSONResponse(
        status_code=status,
        content={**body.model_dump(by_alias=True, exclude_none=True), **(details or {})},
        headers=headers,
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "productOrderItem", 0, "action") -> "productOrderItem[0].action"
    parts: list[str] = []
    for part in loc:
        if part in {"body", "query", "path", "header"} and not parts:
            continue
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "body"


def describe_validation_errors(errors: list[Any]) -> str:
    return "; ".join(f"{_location(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TmfError)
    async def _tmf_error(_request: Request, exc: TmfError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.reason, exc.message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if errors and errors[0].get("type") == "json_invalid":
            detail = errors[0].get("ctx", {}).get("error", "")
            return error_response(422, "InvalidBody", "Invalid JSON in request body", str(detail))
        first = _location(errors[0].get("loc", ())) if errors else "body"
        where = errors[0].get("loc", ("",))[0] if errors else "body"
        # A bad header or query parameter is a bad request (400); a bad body, unprocessable.
        if where in {"header", "query", "path", "cookie"}:
            return error_response(
                400,
                "InvalidRequest",
                f"Invalid value for {where} '{first}'",
                describe_validation_errors(errors),
            )
        return error_response(
            422,
            "InvalidBody" if where == "body" else "InvalidRequest",
            f"Invalid value for '{first}'",
            describe_validation_errors(errors),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # A bug, not bad input: logged with its traceback, answered in TMF shape all the same.
        get_logger(__name__).exception("unhandled error", error=str(exc))
        return error_response(500, "InternalError", "Internal server error")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            404: "NotFound",
            405: "MethodNotAllowed",
            406: "NotAcceptable",
            415: "UnsupportedMediaType",
        }
        return error_response(
            exc.status_code,
            codes.get(exc.status_code, f"Http{exc.status_code}"),
            str(exc.detail),
        )
