"""Codes as an authenticator app shows them, wrong codes, and values changed by one character."""

from __future__ import annotations

from firmid.mfa.factors.totp import auth as totp

# A known authenticator secret, for tests that compute its codes themselves.
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code_now(secret: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows now (or `offset_steps` away)."""
    return totp.code_at_step(secret, totp.current_step() + offset_steps)


def wrong_code(secret: str = SECRET) -> str:
    """A well-formed code that none of the steps around now accepts."""
    right = {code_now(secret, d) for d in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in right)


def tampered(value: str) -> str:
    """`value` with its last character changed: always a different string, never by luck the same."""
    return value[:-1] + ("y" if value.endswith("x") else "x")
