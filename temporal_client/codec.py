"""Payload encryption: every payload Tessera puts in Temporal is AES-256-GCM encrypted.

Installation addresses, dates of birth and phone numbers travel in workflow inputs, results,
signals, updates, queries, memos and failures; Temporal stores them in its history, readable by
anyone with the UI or the server's database. The codec encrypts them on the client and worker;
the server only ever sees ciphertext. Search attributes and user metadata (summaries, details)
are not payloads: they must carry no personal data.

A key ring rotates keys without downtime: the first key of the ring encrypts, every key decrypts,
and each payload names its key id in its metadata. A payload that is not marked encrypted passes
through as it is, so histories recorded before encryption still replay.

Compression (issue 24): a payload of more than `COMPRESS_ABOVE` bytes is zlib-compressed before
it is sealed, and marked `compression: zlib` (the mark is also authenticated with the key id,
so a payload cannot be opened as the other kind). The plan of a 1,000-item order is 8.8 MB of
JSON, past Temporal's 2 MB payload limit; compressed, 0.3 MB. Payloads without the mark (all
written before) are opened as before.
"""

from __future__ import annotations

import base64
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
COMPRESSION = "compression"
ZLIB = b"zlib"
# Below this, zlib's header and a short payload's little redundancy gain nothing worth its CPU.
COMPRESS_ABOVE = 1024
# zlib's default: a 1,000-item plan's 6.8 MB of JSON to 0.29 MB in 42 ms (level 1: 0.59 MB in
# 21 ms); history size is the limit that binds large orders, so the smaller payload wins.
ZLIB_LEVEL = 6


class UnknownKeyError(ValueError):
    """A payload names a key the ring does not hold (rotated out too early, or another system's)."""


class KeyRingError(ValueError):
    """The configured key ring cannot be read."""


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes  # 32 bytes: AES-256


def new_key_line(key_id: str) -> str:
    """A fresh key in the ring's text form `<id>:<base64 of 32 random bytes>`."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def parse_key_ring(text: str) -> list[Key]:
    """Keys separated by commas or new lines, each `<id>:<base64 key>`; the first encrypts."""
    keys: list[Key] = []
    for raw in text.replace("\n", ",").split(","):
        entry = raw.strip()
        if not entry or entry.startswith("#"):
            continue
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id.strip():
            raise KeyRingError("a payload key must read <id>:<base64 of 32 bytes>")
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except ValueError as err:
            raise KeyRingError(f"payload key {key_id.strip()!r} is not base64") from err
        if len(secret) != 32:
            raise KeyRingError(f"payload key {key_id.strip()!r} is not 32 bytes (AES-256)")
        keys.append(Key(key_id.strip(), secret))
    if not keys:
        raise KeyRingError("the payload key ring is empty")
    if len({key.id for key in keys}) != len(keys):
        raise KeyRingError("two payload keys share an id")
    return keys


def load_key_ring(keys: str, keys_file: str) -> list[Key]:
    """The ring from PAYLOAD_KEYS, else from PAYLOAD_KEYS_FILE; no key at all is an error
    (never clear payloads by accident)."""
    if keys.strip():
        return parse_key_ring(keys)
    path = Path(keys_file)
    if keys_file and path.is_file():
        return parse_key_ring(path.read_text())
    raise KeyRingError(
        "no payload encryption key: set PAYLOAD_KEYS (<id>:<base64 of 32 bytes>, first encrypts)"
        f" or PAYLOAD_KEYS_FILE (now {keys_file or 'unset'}, missing); `oms dev` makes one"
    )


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: Sequence[Key], compress_above: int | None = COMPRESS_ABOVE) -> None:
        """`compress_above` None writes no payload compressed (every payload still opens):
        for an upgrade while workers of 0.3 or older, which cannot open one, still run."""
        if not keys:
            raise KeyRingError("the payload key ring is empty")
        self._compress_above = compress_above
        self._current = keys[0]
        self._ciphers = {key.id: AESGCM(key.secret) for key in keys}

    @property
    def current_key_id(self) -> str:
        return self._current.id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self._current.id
        clear = payload.SerializeToString()
        metadata = {"encoding": ENCODING, KEY_ID: key_id.encode()}
        if self._compress_above is not None and len(clear) > self._compress_above:
            clear = zlib.compress(clear, ZLIB_LEVEL)
            metadata[COMPRESSION] = ZLIB
        sealed = self._ciphers[key_id].encrypt(nonce, clear, _associated(key_id, metadata))
        return Payload(metadata=metadata, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # recorded before encryption (old histories), or not ours to open
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKeyError(
                f"payload encrypted with key {key_id!r}, which is not in the key ring"
                f" (known: {', '.join(sorted(self._ciphers))})"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        compression = payload.metadata.get(COMPRESSION)
        if compression not in (None, ZLIB):
            raise ValueError(f"payload compressed with {compression!r}, which this codec lacks")
        clear = cipher.decrypt(nonce, sealed, _associated(key_id, payload.metadata))
        if compression == ZLIB:
            clear = zlib.decompress(clear)
        return Payload.FromString(clear)


def _associated(key_id: str, metadata: Mapping[str, bytes]) -> bytes:
    """What the seal authenticates besides the data: the key id, and the compression mark when
    there is one (payloads sealed before compression existed carry the key id alone)."""
    compression = metadata.get(COMPRESSION)
    return key_id.encode() if compression is None else key_id.encode() + b"|" + compression
