"""What a client's JSON may hold (api/json_limits.py), checked on the parser alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.json_limits import JsonValueError, parse_client_json

DEPTH = 32

REFUSED = {
    "NaN": b'{"v": NaN}',
    "Infinity": b'{"v": Infinity}',
    "-Infinity": b'{"v": [-Infinity]}',
    "1e400 (inf as a float)": b'{"v": 1e400}',
    "-1e400": b'{"v": -1e400}',
    "lone high surrogate": b'{"v": "\\ud800"}',
    "lone low surrogate in a key": b'{"\\udc00": 1}',
    "surrogate as raw bytes": b'{"v": "\xed\xa0\x80"}',
    "33 levels": b"[" * 33 + b"]" * 33,
    "254 levels of objects": b'{"a":' * 254 + b"1" + b"}" * 254,
    "100,000 levels": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_values_tessera_cannot_pass_on_are_refused(case: str) -> None:
    with pytest.raises(JsonValueError):
        parse_client_json(REFUSED[case], DEPTH)


def test_a_pair_of_surrogates_is_one_valid_character() -> None:
    assert parse_client_json(b'{"v": "\\ud83d\\ude00"}', DEPTH) == {"v": "\U0001f600"}


def test_text_that_is_not_json_is_left_to_the_route() -> None:
    with pytest.raises(ValueError) as raised:
        parse_client_json(b"{not json", DEPTH)
    assert not isinstance(raised.value, JsonValueError)


def test_32_levels_are_accepted() -> None:
    assert parse_client_json(b"[" * 32 + b"]" * 32, DEPTH) is not None


finite = st.floats(allow_nan=False, allow_infinity=False)
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=100, deadline=None)
@given(values)
def test_any_finite_valid_json_of_bounded_depth_is_accepted_unchanged(value: Any) -> None:
    body = json.dumps(value).encode()
    assert parse_client_json(body, 64) == json.loads(body)
