"""Pin what firmid relies on of its libraries' private API (firmid/core/seams/): an upgrade that changes it fails here.

Each failure names the library's class and private name, what firmid relies on it for,
the firmid site, the version the seam was written against and the one installed.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import logging
import pkgutil
import textwrap
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponseServerError
from django.test import RequestFactory
from django.utils.log import log_response
from django.utils.module_loading import import_string

import firmid
from firmid.core.seams import Hook
from firmid.core.seams import allauth as allauth_seam
from firmid.core.seams import django as django_seam
from firmid.core.seams import dot as dot_seam

SEAMS = (allauth_seam, dot_seam, django_seam)
HOOKS = [
    pytest.param(seam, hook, id=f"{hook.owner.rsplit('.', 1)[1]}.{hook.name}") for seam in SEAMS for hook in seam.HOOKS
]
LIBRARIES = ("allauth.", "oauth2_provider.", "oauthlib.", "django.")


def _fail(seam: ModuleType, problem: str, hook: Hook | None = None) -> None:
    """Fail with the problem, what firmid relies on, and where to look."""
    relied = f"\nfirmid relies on it for: {hook.why} (at {hook.site})." if hook else ""
    path = seam.__name__.replace(".", "/") + ".py"
    pytest.fail(
        f"{problem}{relied}\nfirmid's {path} was written against {seam.DISTRIBUTION} {seam.WRITTEN_FOR}; "
        f"installed: {version(seam.DISTRIBUTION)}. Re-read that module and the site, then update both.",
        pytrace=False,
    )


def _self_names(function: Callable) -> set[str]:
    """Return the attributes of `self` that a function reads, sets or calls."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            names.add(node.attr)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in ("getattr", "setattr", "hasattr")
            and ast.unparse(node.args[0]) == "self"
            and isinstance(node.args[1], ast.Constant)
        ):
            names.add(node.args[1].value)
    return names


def _parameters(function: Callable) -> tuple[str, ...]:
    """Return the parameter names, "*args" and "**kwargs" marked as such."""
    marks = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return tuple(f"{marks.get(p.kind, '')}{p.name}" for p in inspect.signature(function).parameters.values())


@pytest.mark.parametrize(("seam", "hook"), HOOKS)
def test_private_name_still_exists_with_the_parameters_firmid_uses(seam: ModuleType, hook: Hook) -> None:
    owner = import_string(hook.owner)
    if hook.params is None:
        if not hook.used_by and not hasattr(owner, hook.name):
            _fail(seam, f"{hook.owner}.{hook.name} is gone.", hook)
        return
    method = getattr(owner, hook.name, None)
    if method is None:
        _fail(seam, f"{hook.owner}.{hook.name} is gone.", hook)
    if _parameters(method) != hook.params:
        _fail(seam, f"{hook.owner}.{hook.name} now takes {_parameters(method)}, not {hook.params}.", hook)


@pytest.mark.parametrize(("seam", "hook"), HOOKS)
def test_private_name_is_still_on_the_path_firmid_depends_on(seam: ModuleType, hook: Hook) -> None:
    owner = import_string(hook.owner)
    for path in hook.used_by:
        methods = path.split(">")
        for caller, callee in zip(methods, methods[1:], strict=False):
            if callee not in _self_names(getattr(owner, caller)):
                _fail(seam, f"{hook.owner}.{caller} no longer calls self.{callee}.", hook)
        if hook.name not in _self_names(getattr(owner, methods[-1])):
            _fail(seam, f"{hook.owner}.{methods[-1]} no longer calls, reads or sets self.{hook.name}.", hook)


@pytest.mark.parametrize(("seam", "hook"), HOOKS)
def test_site_still_uses_what_the_seam_lists(seam: ModuleType, hook: Hook) -> None:
    site = import_string(hook.site)
    if hook.overridden:
        if hook.name not in vars(site):
            _fail(seam, f"{hook.site} no longer overrides {hook.name}: remove its entry from the seam.")
        if _parameters(vars(site)[hook.name]) != hook.params:
            _fail(
                seam, f"{hook.site}.{hook.name} takes {_parameters(vars(site)[hook.name])}, the library {hook.params}."
            )
    elif hook.name not in inspect.getsource(site):
        _fail(seam, f"{hook.site} no longer uses {hook.name}: remove its entry from the seam.")


def _firmid_classes() -> list[type]:
    classes = []
    for module in pkgutil.walk_packages(firmid.__path__, "firmid."):
        if any(part in module.name for part in (".tests", ".migrations", "firmid.testing")):
            continue
        loaded = importlib.import_module(module.name)
        classes += [c for c in vars(loaded).values() if isinstance(c, type) and c.__module__ == module.name]
    return classes


def _private_overrides(cls: type) -> list[str]:
    """The private methods a firmid class defines over one of a library base class's."""
    library_bases = [b for b in cls.__mro__[1:] if b.__module__.startswith(LIBRARIES)]
    return [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for name, value in vars(cls).items()
        # _sunder_ names are enum's (TextChoices), not a library's private API.
        if name.startswith("_")
        and not name.startswith("__")
        and not name.endswith("_")
        and inspect.isfunction(value)
        and any(name in vars(base) for base in library_bases)
    ]


def test_every_private_method_firmid_overrides_is_listed_in_a_seam() -> None:
    listed = {f"{hook.site}.{hook.name}" for seam in SEAMS for hook in seam.HOOKS if hook.overridden}
    unlisted = sorted({o for cls in _firmid_classes() for o in _private_overrides(cls)} - listed)
    assert not unlisted, (
        f"firmid overrides these private methods of a library without a seam entry: {unlisted}. "
        "List each in firmid/core/seams/<library>.py HOOKS (overridden=True): an upgrade changing it then fails here."
    )


SEAM_FILES = {"firmid/core/seams/allauth.py", "firmid/core/seams/dot.py", "firmid/core/seams/django.py"}
# Private API that only a seam module may touch: allauth's `internal` modules and what the seam wraps.
PRIVATE_ATTRIBUTES = {"_login_stage", "_has_been_logged"}


def _private_uses(path: Path) -> list[str]:
    """Return where a file imports an allauth `internal` module or touches a wrapped private attribute."""
    uses = []
    for node in ast.walk(ast.parse(path.read_text())):
        modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        modules += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if any(m.startswith("allauth.") and ".internal" in m for m in modules):
            uses.append(f"{path}:{node.lineno} imports {modules[0]}")
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            uses.append(f"{path}:{node.lineno} touches .{node.attr}")
    return uses


def test_only_the_seams_touch_allauth_internal_modules_and_the_wrapped_attributes() -> None:
    root = Path(firmid.__file__).parent.parent
    files = [p for p in sorted((root / "firmid").rglob("*.py")) if str(p.relative_to(root)) not in SEAM_FILES]
    uses = [use for path in files if path.name != "test_seams.py" for use in _private_uses(path)]
    assert not uses, f"Use firmid/core/seams/ instead (add what is missing there, with its test): {uses}"


# How firmid calls each private function it uses (placeholders stand for the values).
CALLS = [
    pytest.param(allauth_seam.get_authentication_records, ("request", "user"), {}, id="get_authentication_records"),
    pytest.param(
        allauth_seam.record_authentication,
        ("request", "user", "mfa"),
        {"type": "totp", "id": 1},
        id="record_authentication-mfa",
    ),
    pytest.param(
        allauth_seam.record_authentication,
        ("request", "user"),
        {"method": "password"},
        id="record_authentication-password",
    ),
    pytest.param(allauth_seam.clear_login, ("request",), {}, id="clear_login"),
    pytest.param(allauth_seam.headed_redirect_response, ("account_login",), {}, id="headed_redirect_response"),
    pytest.param(
        allauth_seam.login_stage_required,
        (),
        {"stage": "key", "redirect_urlname": "account_login"},
        id="login_stage_required",
    ),
    pytest.param(allauth_seam.TOTP.activate, ("user", "secret"), {}, id="TOTP.activate"),
    pytest.param(allauth_seam.generate_totp_secret, (), {}, id="generate_totp_secret"),
    pytest.param(allauth_seam.hotp_value, ("secret", 0), {}, id="hotp_value"),
    pytest.param(allauth_seam.format_hotp_value, (0,), {}, id="format_hotp_value"),
    pytest.param(allauth_seam.webauthn_creation_options, ("user", False), {}, id="webauthn_creation_options"),
    pytest.param(allauth_seam.WebAuthn.add, ("user", "name", {}), {}, id="WebAuthn.add"),
    pytest.param(
        allauth_seam.ratelimit.consume,
        ("request",),
        {"app": "allauth.account", "action": "login", "config": {}},
        id="ratelimit.consume",
    ),
]


@pytest.mark.parametrize(("function", "args", "kwargs"), CALLS)
def test_private_function_still_takes_what_firmid_passes(function: Callable, args: tuple, kwargs: dict) -> None:
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except TypeError as error:
        _fail(
            allauth_seam,
            f"{function.__module__}.{function.__qualname__}{inspect.signature(function)} "
            f"no longer takes firmid's call {args} {kwargs}: {error}.",
        )


# The functions the seam imports when called (their modules load allauth's MFA forms), with their parameters.
WRAPPED = [
    pytest.param("allauth.mfa.internal.flows.add.validate_can_add_authenticator", ("user",), id="validate_can_add"),
    pytest.param("allauth.mfa.totp.internal.flows.deactivate_totp", ("request", "authenticator"), id="deactivate_totp"),
    pytest.param(
        "allauth.mfa.webauthn.internal.flows.remove_authenticator", ("request", "authenticator"), id="remove_webauthn"
    ),
    pytest.param(
        "allauth.mfa.base.internal.flows.post_authentication",
        ("request", "authenticator", "reauthenticated", "passwordless"),
        id="post_authentication",
    ),
]


@pytest.mark.parametrize(("path", "params"), WRAPPED)
def test_allauth_still_offers_the_functions_the_seam_wraps(path: str, params: tuple[str, ...]) -> None:
    try:
        function = import_string(path)
    except ImportError:
        _fail(allauth_seam, f"{path} is gone.")
    if _parameters(function) != params:
        _fail(allauth_seam, f"{path} now takes {_parameters(function)}, not {params}.")


def test_the_session_authentication_log_keeps_the_fields_firmid_reads() -> None:
    request, user = RequestFactory().get("/"), get_user_model()(pk=7)
    request.session = {}
    allauth_seam.record_authentication(request, user, method="password")
    allauth_seam.record_authentication(request, user, "mfa", type="totp", id=3)
    records = allauth_seam.get_authentication_records(request, user)
    if [{k: r.get(k) for k in ("method", "type", "id")} for r in records] != [
        {"method": "password", "type": None, "id": None},
        {"method": "mfa", "type": "totp", "id": 3},
    ] or not all(isinstance(r.get("at"), float) for r in records):
        _fail(allauth_seam, f"allauth's authentication records changed shape: {records}.")
    allauth_seam.clear_login(request)
    if allauth_seam.get_authentication_records(request, user):
        _fail(allauth_seam, "clear_login no longer drops the session's authentication records.")


@pytest.mark.django_db
def test_facts_join_the_record_post_authentication_wrote(make_user) -> None:
    from allauth.mfa.models import Authenticator

    user = make_user()
    authenticator = Authenticator.objects.create(user=user, type="webauthn", data={})
    request = RequestFactory().get("/")
    request.session = {}
    allauth_seam.post_authentication(request, authenticator, passwordless=True, user_verified=True)
    records = allauth_seam.get_authentication_records(request, user)
    if [{k: r.get(k) for k in ("method", "type", "id", "passwordless", "user_verified")} for r in records] != [
        {"method": "mfa", "type": "webauthn", "id": authenticator.pk, "passwordless": True, "user_verified": True}
    ]:
        _fail(allauth_seam, f"post_authentication's record no longer takes firmid's facts: {records}.")


def test_login_stage_required_still_hands_the_stage_over_on_the_request() -> None:
    from allauth.account.internal import decorators

    if "request._login_stage = " not in inspect.getsource(decorators.login_stage_required):
        _fail(allauth_seam, "login_stage_required no longer sets request._login_stage (read by login_stage_of).")


@pytest.mark.parametrize(("counter", "code"), [(0, "755224"), (1, "287082"), (9, "520489")])
def test_hotp_arithmetic_still_gives_the_rfc_4226_values(counter: int, code: str) -> None:
    rfc_key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890", RFC 4226 appendix D
    if allauth_seam.format_hotp_value(allauth_seam.hotp_value(rfc_key, counter)) != code:
        _fail(allauth_seam, f"hotp_value/format_hotp_value no longer give RFC 4226's {code} at counter {counter}.")


def test_the_attempt_given_back_is_still_the_one_pre_authenticate_counted() -> None:
    from allauth.account.adapter import DefaultAccountAdapter as Adapter

    if not {"_login_failed_rl_usage"} <= _self_names(Adapter.pre_authenticate) & _self_names(
        Adapter._rollback_login_failed_rl_usage
    ):
        _fail(
            allauth_seam,
            "DefaultAccountAdapter.pre_authenticate and _rollback_login_failed_rl_usage no longer "
            "share self._login_failed_rl_usage: firmid's adapter gives back an unchecked attempt through it.",
        )


def test_rate_limit_usage_can_still_be_given_back() -> None:
    if not callable(getattr(getattr(allauth_seam.ratelimit, "RateLimitUsage", None), "rollback", None)):
        _fail(allauth_seam, "allauth.core.internal.ratelimit.RateLimitUsage.rollback is gone.")


@pytest.mark.parametrize("marked", [False, True])
def test_a_response_marked_logged_is_not_logged_again(marked: bool, caplog: pytest.LogCaptureFixture) -> None:
    response = HttpResponseServerError()
    if marked:
        django_seam.mark_logged(response)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        log_response("Server error", response=response, request=RequestFactory().get("/"))
    if bool(caplog.records) == marked:
        _fail(
            django_seam,
            f"django.utils.log.log_response {'logged' if marked else 'skipped'} a response "
            f"{'marked' if marked else 'not marked'} by mark_logged (response._has_been_logged).",
        )


def _handler_raises(function: Callable, *, caught: str, raised: str) -> bool:
    """Does `function` raise `raised` inside an `except caught` block (so the caught error is its context)?"""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for handler in ast.walk(tree):
        if isinstance(handler, ast.ExceptHandler) and ast.unparse(handler.type or ast.Name("")) == caught:
            raises = [n for n in ast.walk(handler) if isinstance(n, ast.Raise) and n.exc is not None]
            if any(ast.unparse(n.exc) == raised for n in raises):
                return True
    return False


def test_a_lost_database_is_still_the_context_of_a_session_update_error() -> None:
    from django.contrib.sessions.backends.db import SessionStore

    if not _handler_raises(SessionStore.save, caught="DatabaseError", raised="UpdateError"):
        _fail(
            django_seam,
            "Django's db SessionStore.save no longer raises UpdateError while handling the "
            "DatabaseError: firmid.ops.sessions reads that error as UpdateError.__context__.",
        )


def test_database_cache_rows_are_still_base64_pickles() -> None:
    from django.core.cache.backends.db import DatabaseCache

    written, read = inspect.getsource(DatabaseCache._base_set), inspect.getsource(DatabaseCache.get_many)
    if (
        "pickle.dumps(value, self.pickle_protocol)" not in written
        or "b64encode(pickled)" not in written
        or "b64decode" not in read
    ):
        _fail(
            django_seam,
            "Django's DatabaseCache no longer stores base64 pickles: firmid.ops.cache writes "
            "rows as Django did, so that either class reads what the other wrote.",
        )
