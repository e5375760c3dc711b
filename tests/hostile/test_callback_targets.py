"""Hub callbacks never reach the platform's insides: the check alone, with no traffic at all.

The addresses a name resolves to are given to `callback_refusal`, so no lookup runs; no test
registers a live subscription outside loopback (tests/conftest.py allows only 127.0.0.1).
"""

from __future__ import annotations

import pytest

from activities.callback_targets import callback_refusal, is_internal, refusal_of
from config.settings import Settings


def replace(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update=changes)


OPEN = replace(Settings(), hub_callback_allow="", hub_callback_allow_public=True)

INTERNAL = {
    "loopback": "127.0.0.1",
    "loopback elsewhere in 127/8": "127.8.9.10",
    "private 10/8": "10.1.2.3",
    "private 172.16/12": "172.20.0.5",
    "private 192.168/16": "192.168.1.1",
    "link-local (cloud metadata)": "169.254.169.254",
    "shared address space": "100.64.0.1",
    "unspecified": "0.0.0.0",
    "IPv6 loopback": "::1",
    "IPv6 link-local": "fe80::1",
    "IPv6 unique local": "fd00::1",
    "IPv4-mapped private": "::ffff:10.0.0.1",
    "multicast": "224.0.0.1",
}


@pytest.mark.parametrize("name", sorted(INTERNAL))
def test_an_internal_address_is_refused(name: str) -> None:
    address = INTERNAL[name]

    assert is_internal(address)
    refusal = callback_refusal("http://listener.example/events", [address], OPEN)
    assert refusal is not None and "internal" in refusal


def test_a_name_resolving_to_one_internal_address_among_public_ones_is_refused() -> None:
    refusal = callback_refusal("https://l.example/x", ["93.184.216.34", "10.0.0.7"], OPEN)
    assert refusal is not None and "10.0.0.7" in refusal


def test_a_public_address_is_allowed() -> None:
    assert callback_refusal("https://listener.example/events", ["93.184.216.34"], OPEN) is None


def test_a_name_that_does_not_resolve_is_refused() -> None:
    assert callback_refusal("https://nowhere.example/x", [], OPEN) is not None


@pytest.mark.parametrize("port", [7233, 8233, 8000])
def test_the_platforms_own_ports_are_refused_even_on_an_allowed_host(port: int) -> None:
    allowing = replace(OPEN, hub_callback_allow="127.0.0.1,listener.example")

    for url in (f"http://127.0.0.1:{port}/x", f"http://listener.example:{port}/x"):
        refusal = callback_refusal(url, ["93.184.216.34"], allowing)
        assert refusal is not None and "platform" in refusal


def test_the_allow_list_names_hosts_and_exact_ports() -> None:
    allowing = replace(OPEN, hub_callback_allow="10.0.0.7, [::1], 127.0.0.1:8000")

    assert callback_refusal("http://10.0.0.7:9000/x", ["10.0.0.7"], allowing) is None
    assert callback_refusal("http://[::1]:9000/x", ["::1"], allowing) is None
    assert callback_refusal("http://127.0.0.1:8000/x", ["127.0.0.1"], allowing) is None
    assert callback_refusal("http://10.0.0.8:9000/x", ["10.0.0.8"], allowing) is not None


def test_without_public_callbacks_only_the_allow_list_is_reached_and_nothing_is_resolved() -> None:
    closed = replace(OPEN, hub_callback_allow="127.0.0.1", hub_callback_allow_public=False)

    # refusal_of would resolve the name if it looked it up: it must not get that far.
    assert refusal_of("http://listener.example/x", closed) is not None
    assert refusal_of("http://93.184.216.34/x", closed) is not None
    assert refusal_of("http://127.0.0.1:9999/x", closed) is None


@pytest.mark.parametrize("url", ["ftp://example.org/x", "not a url", "http://", "http://h:99999/"])
def test_what_is_not_an_http_url_is_refused(url: str) -> None:
    assert callback_refusal(url, ["93.184.216.34"], OPEN) is not None
