"""Issue 12, item 1: the audit row cannot be written — the security change must not be written either.

The fault: a PostgreSQL trigger on the audit table (firmid/testing/audit.py) refuses the
rows of one action, as a broken or full audit table would. The rule: a security change
and its audit row commit together or not at all, so the person sees an error page, nothing
is stored, and once the audit table works again the same change is stored with exactly
one audit row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from firmid.testing.audit import install_sql, remove_sql
from firmid.testing.nodes.browsers import (
    ADMINISTRATION,
    CSRF,
    ENROL,
    HOME,
    MFA,
    Browser,
    code_now,
    current_step,
    location,
    totp_code,
)

from .stack import PASSWORD, RETRY_AFTER, Stack, browser_on, shown_key

RECOVERY_CODES = "/accounts/security/recovery-codes/"


@contextmanager
def audit_refusing(stack: Stack, *actions: str) -> Iterator[None]:
    """The database refuses audit rows of `actions` until the block ends."""
    with stack.connect() as connection:
        for statement in install_sql("postgresql", actions):
            connection.execute(statement)
    try:
        yield
    finally:
        with stack.connect() as connection:
            for statement in remove_sql("postgresql"):
                connection.execute(statement)


def factors(stack: Stack, user_id: int) -> int:
    """The user's second factors (their recovery codes aside)."""
    return stack.one(
        "SELECT count(*) FROM mfa_authenticator WHERE user_id = %s AND type <> 'recovery_codes'", (user_id,)
    )


def at_enrolment(stack: Stack, email: str) -> tuple[Browser, str, str]:
    """A browser past the password on node A, on the enrolment page: its key and CSRF token."""
    browser = browser_on(stack.a)
    response = browser.password_step(email, PASSWORD)
    assert response.status_code == 302 and location(response) == ENROL, (response.status_code, location(response))
    page = browser.get(ENROL)
    assert page.status_code == 200
    return browser, shown_key(page.text), CSRF.search(page.text).group(1)


def test_factor_enrolled_while_audit_write_fails_is_not_stored(stack: Stack) -> None:
    user = stack.users["enrol@faults.test"]
    browser, secret, token = at_enrolment(stack, user.email)

    with audit_refusing(stack, "mfa_factor_added"):
        response = browser.post(ENROL, {"code": code_now(secret), "csrfmiddlewaretoken": token})
        # An error page (the audit log cannot serve: 503, try again), not a half-done
        # enrolment: no factor without its audit row.
        assert (response.status_code, response.headers.get("Retry-After")) == (503, RETRY_AFTER), (
            response.status_code,
            location(response),
        )
        assert factors(stack, user.id) == 0
        assert stack.audit_rows("mfa_factor_added", subject_id=user.id) == 0
        assert browser.get(HOME).status_code == 302  # not signed in either

    # The audit table works again: enrolling again stores the factor with exactly one row.
    browser, secret, token = at_enrolment(stack, user.email)
    # The next step's code: the refused attempt may have spent the current one.
    response = browser.post(ENROL, {"code": totp_code(secret, current_step() + 1), "csrfmiddlewaretoken": token})
    # The first factor's recovery codes, shown once, then the sign-in completes.
    assert response.status_code == 302 and location(response) == RECOVERY_CODES, (
        response.status_code,
        location(response),
    )
    response = browser.submit(RECOVERY_CODES, {"continue": "1"})
    assert response.status_code == 302 and location(response) == HOME, (response.status_code, location(response))
    assert factors(stack, user.id) == 1
    assert stack.audit_rows("mfa_factor_added", subject_id=user.id) == 1


def test_level_changed_while_audit_write_fails_is_not_saved(stack: Stack) -> None:
    agent, firm_id = stack.users["agent@faults.test"], stack.users["level@faults.test"].firm_id
    admin = browser_on(stack.b)
    response = admin.password_step(agent.email, PASSWORD)
    assert response.status_code == 302 and location(response) == MFA
    response = admin.submit(MFA, {"code": code_now(agent.secret)})
    assert response.status_code == 302 and location(response) == ADMINISTRATION
    page = f"/administration/firms/{firm_id}/security/"
    level = "SELECT level FROM firmid_mfa_firmmfalevel WHERE firm_id = %s AND user_type = 'practitioners'"
    before = stack.sql(level, (firm_id,))

    with audit_refusing(stack, "mfa_level_changed"):
        response = admin.submit(page, {"level_practitioners": "mandatory"})
        assert (response.status_code, response.headers.get("Retry-After")) == (503, RETRY_AFTER), (
            response.status_code,
            location(response),
        )
        assert stack.sql(level, (firm_id,)) == before
        assert stack.audit_rows("mfa_level_changed", firm_id=firm_id) == 0

    response = admin.submit(page, {"level_practitioners": "mandatory"})
    assert response.status_code == 302 and location(response) == page, (response.status_code, response.text[:300])
    assert stack.sql(level, (firm_id,)) == [("mandatory",)]
    assert stack.audit_rows("mfa_level_changed", firm_id=firm_id) == 1
