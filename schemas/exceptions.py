"""Errors of the event contract: bytes that do not decode, records that do not encode,
schemas that break compatibility. None of them is retryable: the same input fails again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.errors import JourneysError

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["DecodeError", "EncodeError", "IncompatibleSchemaError", "SchemaContractError", "validation_problems"]


class SchemaContractError(JourneysError):
    """Base of the contract's errors: names the schema, the field (dotted path) and the reason."""

    retryable = False

    def __init__(self, schema: str, reason: str, *, field: str | None = None, action: str = "") -> None:
        self.schema = schema
        self.field = field
        self.reason = reason
        where = f"`{schema}`" + (f" field `{field}`" if field else "")
        super().__init__(f"{self._verb} {where}: {reason}" + (f"; {action}" if action else ""))

    _verb = "contract error in"


class DecodeError(SchemaContractError):
    """Bytes are not a message of the named schema (bad magic, unknown fingerprint or id,
    truncated, wrong type). Dead-letter the message with ``error_kind`` decode or schema."""

    _verb = "cannot decode"


class EncodeError(SchemaContractError):
    """A record does not fit its schema (missing required field, wrong type, unknown symbol).
    Validate it with the pydantic model first; fix the named field."""

    _verb = "cannot encode"


class IncompatibleSchemaError(SchemaContractError):
    """A current schema cannot read a released version's data, or the reverse."""

    _verb = "incompatible schema"


def validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """pydantic's errors as ``(dotted field path, reason)`` pairs, for dead letters and API replies.

    List indexes render as ``[i]`` (``identifiers[2].value``); an error about the whole
    record (a model validator) has the path ``$``.
    """
    problems: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        path = ""
        for part in error["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path += f".{part}" if path else str(part)
        # "Value error, " is pydantic telling us our own validator raised; the reason is what follows.
        problems.append((path or "$", str(error["msg"]).removeprefix("Value error, ")))
    return problems
