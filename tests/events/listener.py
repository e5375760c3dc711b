"""A real HTTP listener for hub deliveries, on 127.0.0.1: verifies signatures, de-duplicates by
eventId, and can be told to be down (503), to lose an acknowledgement, or to reject events."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    body: dict[str, Any]
    header_event_id: str | None
    signature_ok: bool
    received_at: float  # time.time()

    @property
    def event_id(self) -> str:
        return str(self.body["eventId"])


@dataclass
class Listener:
    secret: str | None = None
    # The answer to every POST while set (e.g. 503: down); None = healthy.
    down_status: int | None = None
    # Event types answered 400 (the listener refuses them: no retry, dead letter).
    rejected_types: set[str] = field(default_factory=set)
    # Process the next new event but answer 500: the hub must deliver it again.
    lose_next_ack: bool = False
    # Answer every POST with a redirect there (307), as a hostile listener would.
    redirect_to: str | None = None
    # Every POST, as it arrived.
    attempts: list[Received] = field(default_factory=list)
    # Events processed, each once, in order of arrival.
    processed: list[Received] = field(default_factory=list)
    duplicates: int = 0
    # Hub subscriptions made for this listener (deleted when the test ends).
    subscription_ids: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/events"

    def start(self) -> Listener:
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = listener.handle(raw, dict(self.headers.items()))
                self.send_response(status)
                if status == 307 and listener.redirect_to:
                    self.send_header("Location", listener.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, raw: bytes, headers: dict[str, str]) -> int:
        signature = headers.get("X-Tessera-Signature")
        expected = (
            "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
            if self.secret
            else None
        )
        received = Received(
            body=json.loads(raw),
            header_event_id=headers.get("X-Tessera-Event-Id"),
            signature_ok=(
                signature is None
                if expected is None
                else signature is not None and hmac.compare_digest(signature, expected)
            ),
            received_at=time.time(),
        )
        with self._lock:
            self.attempts.append(received)
            if self.redirect_to is not None:
                return 307
            if self.down_status is not None:
                return self.down_status
            if received.body["eventType"] in self.rejected_types:
                return 400
            if any(p.event_id == received.event_id for p in self.processed):
                self.duplicates += 1
                return 200
            self.processed.append(received)
            if self.lose_next_ack:
                self.lose_next_ack = False
                return 500
            return 200

    def events_of(self, order_id: str) -> list[Received]:
        with self._lock:
            return [r for r in self.processed if r.body["correlationId"] == order_id]

    def attempts_of(self, order_id: str) -> list[Received]:
        with self._lock:
            return [r for r in self.attempts if r.body["correlationId"] == order_id]
