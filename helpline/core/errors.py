"""Errors that services raise; the API turns each into an RFC 9457 problem document."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every error a service raises on purpose: safe to show to the caller."""

    status = 400
    code = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str = "", *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []


class NotFound(ServiceError):
    status, code, title = 404, "not-found", "Not found"


class PermissionDenied(ServiceError):
    status, code, title = 403, "forbidden", "Forbidden"


class InvalidInput(ServiceError):
    status, code, title = 422, "invalid-input", "Invalid input"


class InvalidTransition(ServiceError):
    status, code, title = 409, "invalid-transition", "Invalid status transition"


class StaleVersion(ServiceError):
    status, code, title = 409, "stale-version", "The ticket was changed by someone else"


class Conflict(ServiceError):
    status, code, title = 409, "conflict", "Conflict"


class TooLarge(ServiceError):
    status, code, title = 413, "too-large", "Content too large"
