"""The payload codec on its own: encryption, key ring, rotation, clear payloads passing through."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from temporal_client import data_converter_for
from temporal_client.codec import (
    EncryptionCodec,
    KeyRingError,
    UnknownKeyError,
    new_key_line,
    parse_key_ring,
)
from tests.sample_orders import ADDRESS, sample_order

KEY_A = new_key_line("a")
KEY_B = new_key_line("b")


async def test_a_payload_is_encrypted_under_the_first_key_and_decrypts() -> None:
    converter = data_converter_for(parse_key_ring(f"{KEY_B},{KEY_A}"))
    order = sample_order("handset-nova-x5")
    [encoded] = await converter.encode([order])

    assert ADDRESS.encode() not in encoded.SerializeToString()
    assert encoded.metadata["encoding"] == b"binary/encrypted"
    assert encoded.metadata["encryption-key-id"] == b"b"
    [decoded] = await converter.decode([encoded], [dict])
    assert decoded == order


async def test_a_ring_with_the_old_key_reads_what_it_encrypted_after_rotation() -> None:
    before = data_converter_for(parse_key_ring(KEY_A))
    after = data_converter_for(parse_key_ring(f"{KEY_B},{KEY_A}"))
    [under_a] = await before.encode(["12 Rue de la Paix"])

    assert await after.decode([under_a], [str]) == ["12 Rue de la Paix"]
    [under_b] = await after.encode(["12 Rue de la Paix"])
    assert under_b.metadata["encryption-key-id"] == b"b"


async def test_an_unknown_key_id_fails_naming_the_key() -> None:
    [under_a] = await EncryptionCodec(parse_key_ring(KEY_A)).encode(
        pydantic_data_converter.payload_converter.to_payloads(["x"])
    )
    with pytest.raises(UnknownKeyError, match="'a'.*not in the key ring"):
        await EncryptionCodec(parse_key_ring(KEY_B)).decode([under_a])


async def test_a_clear_payload_from_an_old_history_passes_through() -> None:
    [clear] = pydantic_data_converter.payload_converter.to_payloads([{"a": 1}])
    [out] = await EncryptionCodec(parse_key_ring(KEY_A)).decode([clear])
    assert out == clear


async def test_an_altered_payload_does_not_decrypt() -> None:
    codec = EncryptionCodec(parse_key_ring(KEY_A))
    [sealed] = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b"1")])
    tampered = Payload()
    tampered.CopyFrom(sealed)
    tampered.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(InvalidTag):
        await codec.decode([tampered])


@pytest.mark.parametrize(
    "ring, problem",
    [
        ("", "empty"),
        ("nokey", "<id>:<base64"),
        ("a:not-base64!", "not base64"),
        ("a:AAAA", "not 32 bytes"),
        (f"{KEY_A},{KEY_A}", "share an id"),
    ],
    # Ids that do not depend on the random key: pytest-xdist's workers must collect the same.
    ids=["empty", "no-colon", "not-base64", "short", "same-id-twice"],
)
def test_a_bad_key_ring_is_refused_clearly(ring: str, problem: str) -> None:
    with pytest.raises(KeyRingError, match=problem):
        parse_key_ring(ring)


async def test_a_large_payload_is_compressed_then_sealed_and_reads_back() -> None:
    codec = EncryptionCodec(parse_key_ring(KEY_A))
    big = Payload(metadata={"encoding": b"json/plain"}, data=b'{"task": "x"}' * 5000)
    [sealed] = await codec.encode([big])

    assert sealed.metadata["compression"] == b"zlib"
    assert sealed.metadata["encoding"] == b"binary/encrypted"
    assert len(sealed.data) < len(big.data) // 20
    assert await codec.decode([sealed]) == [big]


async def test_a_small_payload_is_sealed_without_compression() -> None:
    codec = EncryptionCodec(parse_key_ring(KEY_A))
    small = Payload(metadata={"encoding": b"json/plain"}, data=b'"12 Rue de la Paix"')
    [sealed] = await codec.encode([small])
    assert "compression" not in sealed.metadata
    assert await codec.decode([sealed]) == [small]


async def test_a_compression_mark_added_or_removed_does_not_open() -> None:
    codec = EncryptionCodec(parse_key_ring(KEY_A))
    big = Payload(metadata={"encoding": b"json/plain"}, data=b"a" * 5000)
    small = Payload(metadata={"encoding": b"json/plain"}, data=b"1")
    [compressed, plain] = await codec.encode([big, small])
    del compressed.metadata["compression"]
    plain.metadata["compression"] = b"zlib"
    for altered in (compressed, plain):
        with pytest.raises(InvalidTag):
            await codec.decode([altered])


async def test_an_unknown_compression_is_refused_by_name() -> None:
    codec = EncryptionCodec(parse_key_ring(KEY_A))
    [sealed] = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b"1")])
    sealed.metadata["compression"] = b"zstd"
    with pytest.raises(ValueError, match="zstd"):
        await codec.decode([sealed])


async def test_with_compression_off_nothing_is_written_compressed_and_everything_opens() -> None:
    # An upgrade while workers of 0.3, which cannot open a compressed payload, still run.
    ring = parse_key_ring(KEY_A)
    big = Payload(metadata={"encoding": b"json/plain"}, data=b'{"task": "x"}' * 5000)
    [compressed] = await EncryptionCodec(ring).encode([big])
    off = EncryptionCodec(ring, compress_above=None)
    [sealed] = await off.encode([big])

    assert "compression" not in sealed.metadata
    assert await off.decode([sealed, compressed]) == [big, big]
