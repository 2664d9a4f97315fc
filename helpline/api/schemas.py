"""Schemas shared by every app's API: field types, the input and output bases, the problem
document, references."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Ids and numbers fit a signed 64-bit column; anything larger is refused before it reaches SQL.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Text never holds NUL (PostgreSQL cannot store it); TextN is at most N characters.
NO_NUL = r"^[^\x00]*$"
Text = Annotated[str, StringConstraints(pattern=NO_NUL)]
Text16 = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=16)]
Text32 = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=32)]
Text64 = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=64)]
Text100 = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=100)]
Text200 = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
Text320 = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=320)]
Text500 = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=500)]
Body = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=1_000_000)]


def _utc(value: datetime) -> datetime:
    """In UTC (a time without an offset is taken as UTC): the databases store UTC, and PostgreSQL
    refuses offsets past ±16 h."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class InputSchema(Schema):
    """Base of every request body: a field the API does not know is an error, never ignored."""

    model_config = ConfigDict(extra="forbid")


class OutputSchema(BaseModel):
    """Base of every response body. The API fills them from plain dicts (each app's schemas.py),
    so pydantic's own validation is all they need: ninja's Schema would wrap every nested value
    for ORM attribute access, a third of the time of a 25-ticket page."""


class ProblemError(OutputSchema):
    field: str
    message: str


class Problem(OutputSchema):
    """An RFC 9457 problem document (served as application/problem+json)."""

    type: str = Field(examples=["https://helpline.invalid/problems/not-found"])
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[ProblemError] = Field(default_factory=list)


class Ref(OutputSchema):
    """Another resource, named."""

    id: int
    name: str


class PersonRef(OutputSchema):
    id: int
    name: str
    email: str


def ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None
