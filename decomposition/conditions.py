"""A small, safe condition language over characteristic values, parsed once, never eval'd.

Grammar (keywords are lower case):

    expr    := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | "(" expr ")" | compare
    compare := NAME ("==" | "!=" | "<" | "<=" | ">" | ">=") literal
             | NAME "in" "[" literal ("," literal)* "]"
             | NAME "is" "set"
    literal := "string" | 'string' | number | true | false

A comparison on a characteristic that has no value is false (so `not` of it is true), and an
ordering comparison between values of different types is false rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Values = Mapping[str, Any]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"[^"]*"|'[^']*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "set", "true", "false"}


class ConditionError(ValueError):
    """A condition that does not parse; raised when the catalog is loaded, never at run time."""


@dataclass(frozen=True)
class _Token:
    kind: str  # string | number | op | name | keyword
    text: str


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ConditionError(f"unexpected character at {pos} in condition {text!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value in _KEYWORDS:
            kind = "keyword"
        tokens.append(_Token(kind, value))
        pos = match.end()
    return tokens


Predicate = Callable[[Values], bool]


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    try:
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)
    except TypeError:
        return False


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.names: set[str] = set()

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.pos != len(self.tokens):
            raise ConditionError(f"unexpected {self.tokens[self.pos].text!r} in {self.text!r}")
        return predicate

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, text: str | None = None, kind: str | None = None) -> _Token:
        token = self._peek()
        if token is None or (text is not None and token.text != text):
            raise ConditionError(f"expected {text or kind!r} in condition {self.text!r}")
        if kind is not None and token.kind != kind:
            raise ConditionError(f"expected a {kind} but got {token.text!r} in {self.text!r}")
        self.pos += 1
        return token

    def _at(self, text: str) -> bool:
        token = self._peek()
        return token is not None and token.text == text and token.kind in {"keyword", "op"}

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._at("or"):
            self._take("or")
            parts.append(self._and())
        if len(parts) == 1:
            return parts[0]
        return lambda values: any(part(values) for part in parts)

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._at("and"):
            self._take("and")
            parts.append(self._not())
        if len(parts) == 1:
            return parts[0]
        return lambda values: all(part(values) for part in parts)

    def _not(self) -> Predicate:
        if self._at("not"):
            self._take("not")
            inner = self._not()
            return lambda values: not inner(values)
        if self._at("("):
            self._take("(")
            inner = self._or()
            self._take(")")
            return inner
        return self._comparison()

    def _literal(self) -> Any:
        token = self._peek()
        if token is None:
            raise ConditionError(f"expected a value at the end of {self.text!r}")
        self.pos += 1
        if token.kind == "string":
            return token.text[1:-1]
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "keyword" and token.text in {"true", "false"}:
            return token.text == "true"
        raise ConditionError(f"expected a value but got {token.text!r} in {self.text!r}")

    def _comparison(self) -> Predicate:
        name = self._take(kind="name").text
        self.names.add(name)
        if self._at("is"):
            self._take("is")
            self._take("set")
            return lambda values: values.get(name) is not None
        if self._at("in"):
            self._take("in")
            self._take("[")
            options = [self._literal()]
            while self._at(","):
                self._take(",")
                options.append(self._literal())
            self._take("]")
            return lambda values: values.get(name) is not None and values.get(name) in options
        op = self._take(kind="op").text
        if op not in {"==", "!=", "<", "<=", ">", ">="}:
            raise ConditionError(f"expected a comparison after {name!r} in {self.text!r}")
        expected = self._literal()

        def compare(values: Values) -> bool:
            actual = values.get(name)
            return actual is not None and _compare(op, actual, expected)

        return compare


@dataclass(frozen=True)
class Condition:
    """A parsed condition: the source text, the names it reads, and its predicate."""

    text: str
    names: frozenset[str]
    predicate: Predicate

    def holds(self, values: Values) -> bool:
        return self.predicate(values)


def parse_condition(text: str) -> Condition:
    parser = _Parser(text)
    predicate = parser.parse()
    return Condition(text=text, names=frozenset(parser.names), predicate=predicate)
