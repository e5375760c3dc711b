"""`oms` with payload encryption off, for the encryption benchmark only (bench/encryption.py).

The product has no setting to turn encryption off (a clear payload would be a leak, not an
option); this wrapper swaps the process's converter for the same one without the codec before
anything connects, then runs the command line as `python -m cli` does.

    python -m bench.clear_payloads worker|api
"""

from __future__ import annotations

from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

import temporal_client
from temporal_client.codec import Key


def clear_converter(keys: list[Key], compress: bool = True) -> DataConverter:
    """The product's converter (pydantic JSON, failures' details encoded) without encryption
    nor compression; `keys` (the ring) and `compress` are ignored."""
    return DataConverter(
        payload_converter_class=PydanticPayloadConverter,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def main() -> None:
    # `data_converter()` looks `data_converter_for` up when first called: every client and
    # worker of this process gets the clear converter.
    temporal_client.data_converter_for = clear_converter
    from cli.main import app

    app()


if __name__ == "__main__":
    main()
