"""What a sign-in request's password step concluded, for the adapter's outage handling."""

from __future__ import annotations

from django.http import HttpRequest

# Set on the request once the password step reached a verdict of "refused" (wrong password,
# unknown address): an error after it (writing the failure's audit row) leaves the attempt
# counted; an error before it gives it back (AccountAdapter.authenticate).
PASSWORD_REFUSED = "firmid_password_refused"  # noqa: S105 - an attribute's name


def mark_password_refused(request: HttpRequest) -> None:
    """Record on the request that its password was checked and refused."""
    setattr(request, PASSWORD_REFUSED, True)


def password_refused(request: HttpRequest | None) -> bool:
    """Say whether this request's password was checked and refused."""
    return bool(getattr(request, PASSWORD_REFUSED, False))
