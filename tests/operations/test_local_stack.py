"""`oms dev` is secure by default: a payload key made once and kept, and the local UI decoding
through the API's codec server."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cli.main import dev_server_command, local_payload_keys
from temporal_client.codec import parse_key_ring


def test_a_local_key_is_made_once_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAYLOAD_KEYS", raising=False)
    monkeypatch.delenv("PAYLOAD_KEYS_FILE", raising=False)

    first = local_payload_keys(tmp_path)
    made = (tmp_path / "payload-keys").read_text()
    second = local_payload_keys(tmp_path)

    assert first == second == {"PAYLOAD_KEYS_FILE": str(tmp_path / "payload-keys")}
    assert (tmp_path / "payload-keys").read_text() == made  # kept: old orders stay readable
    assert len(parse_key_ring(made)) == 1
    assert stat.S_IMODE((tmp_path / "payload-keys").stat().st_mode) == 0o600


def test_a_configured_key_ring_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAYLOAD_KEYS", "k:" + "A" * 43 + "=")
    assert local_payload_keys(tmp_path) == {}
    assert not (tmp_path / "payload-keys").exists()


def test_the_dev_server_points_its_ui_at_the_codec_server(tmp_path: Path) -> None:
    command = dev_server_command(tmp_path, codec_endpoint="http://127.0.0.1:8000/ops/v1/codec")
    at = command.index("--ui-codec-endpoint")
    assert command[at + 1] == "http://127.0.0.1:8000/ops/v1/codec"
