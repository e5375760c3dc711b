"""A change a workflow refuses in its update validator, before it reaches history. Pure."""

from __future__ import annotations


class Refusal(Exception):
    """`kind` is the error type the caller sees (InvalidState, NotFound, Invalid,
    PointOfNoReturn, InvalidResult); the workflow raises it as an ApplicationError."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
