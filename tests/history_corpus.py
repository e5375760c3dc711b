"""The replay corpus in tests/histories/: it only grows.

Histories of each release go in a folder named by its version (`tests/histories/v0.2.0/`),
encrypted under the test-only key ring `tests/histories/payload-keys`; the flat files beside them
are the clear histories recorded before payload encryption. A file once written is never
overwritten, edited or deleted: a workflow change that cannot replay it needs
`workflow.patched()` or a new build (README, "Deploying").
"""

from __future__ import annotations

from pathlib import Path

from temporalio.converter import DataConverter

from config.settings import code_version
from temporal_client import data_converter_for
from temporal_client.codec import parse_key_ring

HISTORIES = Path(__file__).resolve().parent / "histories"
RECORDING_KEYS = HISTORIES / "payload-keys"


def recording_converter() -> DataConverter:
    return data_converter_for(parse_key_ring(RECORDING_KEYS.read_text()))


def release_folder() -> Path:
    folder = HISTORIES / f"v{code_version()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_new(path: Path, history_json: str) -> bool:
    """Write a history that is not in the corpus yet; an existing file is left as it is."""
    if path.exists():
        print(f"kept {path.relative_to(HISTORIES)}: histories are never re-recorded")
        return False
    path.write_text(history_json)
    return True
