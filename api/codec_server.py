"""The codec server: the Temporal UI and CLI send it payloads to decode (or encode), so staff see
encrypted history in clear without the key ever leaving Tessera.

Temporal's codec server protocol: `POST <endpoint>/encode` and `<endpoint>/decode` with
`{"payloads": [<Payload as proto3 JSON>]}`, answered in the same shape, the namespace in the
`X-Namespace` header. The UI calls it from the browser, so the app answers CORS for the UI's
origin (TEMPORAL_UI_URL) only; it is mounted at /ops/v1/codec as an app of its own so that
CORS stays confined to it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Body, FastAPI, Header
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

from api.errors import TmfError, install_error_handlers
from api.identity import requires
from api.permissions import Permission
from config.settings import get_settings
from temporal_client import data_converter
from temporal_client.codec import UnknownKeyError

CODEC_PATH = "/ops/v1/codec"


# Who may encode and decode: staff (api/permissions.py); a customer's token is refused (403), no
# token is a 401 from the authentication middleware, which lets the CORS preflight through here.
payload_access = requires(Permission.PAYLOAD_DECODE)


def _codec() -> PayloadCodec:
    codec = data_converter().payload_codec
    assert codec is not None, "the data converter always has the encryption codec"
    return codec


def _payloads(body: dict[str, Any]) -> Payloads:
    try:
        return ParseDict(body, Payloads())
    except (ParseError, TypeError, ValueError) as err:
        raise TmfError(
            422,
            "InvalidBody",
            'Expected {"payloads": [{"metadata": {...}, "data": "..."}]}',
            str(err),
        ) from err


def _answer(payloads: Payloads) -> dict[str, Any]:
    return MessageToDict(payloads)


def _check_namespace(namespace: str | None) -> None:
    expected = get_settings().temporal_namespace
    if namespace is not None and namespace != expected:
        raise TmfError(
            404, "UnknownNamespace", f"This codec serves namespace {expected!r}, not {namespace!r}"
        )


def ui_origin() -> str:
    parts = urlsplit(get_settings().temporal_ui_url)
    return f"{parts.scheme}://{parts.netloc}"


def create_codec_app() -> FastAPI:
    app = FastAPI(title="Tessera payload codec", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[ui_origin()],
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Content-Type", "X-Namespace", "Authorization"],
        allow_credentials=True,
    )

    @app.post("/encode", dependencies=[payload_access])
    async def encode(
        body: dict[str, Any] = Body(...), x_namespace: str | None = Header(default=None)
    ) -> dict[str, Any]:
        _check_namespace(x_namespace)
        payloads = _payloads(body)
        return _answer(Payloads(payloads=await _codec().encode(payloads.payloads)))

    @app.post("/decode", dependencies=[payload_access])
    async def decode(
        body: dict[str, Any] = Body(...), x_namespace: str | None = Header(default=None)
    ) -> dict[str, Any]:
        _check_namespace(x_namespace)
        payloads = _payloads(body)
        try:
            decoded = await _codec().decode(payloads.payloads)
        except UnknownKeyError as err:
            raise TmfError(422, "UnknownKey", str(err)) from err
        except Exception as err:  # cryptography's InvalidTag: altered, or not ours
            raise TmfError(422, "UndecodablePayload", "A payload could not be decrypted") from err
        return _answer(Payloads(payloads=decoded))

    return app
