"""Errors that services raise and every edge (web, API, CLI) turns into a clear 4xx."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused request: `message` is shown to the person who made it."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409
