"""Errors that services raise and every edge (web, API, CLI) turns into a clear 4xx."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused request: `message` is shown to the person who made it."""

    status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ServiceError):
    status = 403
    code = "permission_denied"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
