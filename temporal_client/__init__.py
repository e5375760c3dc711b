"""One way to connect to Temporal, for API, worker, CLI, tests and benchmarks: the pydantic
converter with every payload encrypted (temporal_client/codec.py)."""

from __future__ import annotations

from functools import lru_cache

from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import Runtime

from config.settings import get_settings
from observability.tracing import temporal_interceptors
from temporal_client.codec import COMPRESS_ABOVE, EncryptionCodec, Key, load_key_ring


def data_converter_for(keys: list[Key], compress: bool = True) -> DataConverter:
    """Pydantic JSON, then zlib for large payloads and AES-256-GCM; failures' messages and stack
    traces move into their (encrypted) encoded attributes, since an error message may quote an
    address."""
    return DataConverter(
        payload_converter_class=PydanticPayloadConverter,
        payload_codec=EncryptionCodec(keys, COMPRESS_ABOVE if compress else None),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


@lru_cache(maxsize=1)
def data_converter() -> DataConverter:
    """The converter of this process, with the key ring from settings."""
    settings = get_settings()
    return data_converter_for(
        load_key_ring(settings.payload_keys, settings.payload_keys_file),
        compress=settings.payload_compression,
    )


async def connect_temporal(
    address: str | None = None, namespace: str | None = None, runtime: Runtime | None = None
) -> Client:
    settings = get_settings()
    return await Client.connect(
        address or settings.temporal_address,
        namespace=namespace or settings.temporal_namespace,
        data_converter=data_converter(),
        runtime=runtime,
        interceptors=temporal_interceptors(),  # tracing, when on (observability/tracing.py)
    )
