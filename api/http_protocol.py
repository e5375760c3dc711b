"""The HTTP server's own refusals in TMF shape: a request too malformed to reach the app (a
header past the parser's limits, broken framing) gets a TMF error body, not uvicorn's text."""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def tmf_400_body(reason: str) -> bytes:
    body = {"code": "InvalidRequest", "reason": reason, "status": "400", "@type": "Error"}
    return json.dumps(body, separators=(",", ":")).encode()


class TmfHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol (the one it picks when httptools is installed)."""

    def send_400_response(self, msg: str) -> None:
        body = tmf_400_body(msg)
        content = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
