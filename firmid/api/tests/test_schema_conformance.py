"""The whole OpenAPI document, driven by schemathesis against the WSGI app in-process.

Every operation gets generated requests, valid and invalid, as a signed-in level 2 agent;
each response must not be a 5xx and must conform to the document (status code, content
type, body), invalid input must be refused and requests without the session refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from firmid.accounts.models import User
from firmid.tenancy.models import Firm


class InProcessApp:
    """Django's WSGI app that keeps the test's database connection, as django.test.Client does.

    Django closes old connections around each request; inside the test's transaction that
    would throw the test's data away, so those two receivers are held off for the request.
    """

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def openapi_document() -> dict[str, Any]:
    """The document /api/schema/ serves (test_access checks that it is served), built in-process.

    It is built here rather than fetched because schemathesis' fixture-based loader does not
    run under this pytest version, and a module-level schema cannot sign in.
    """
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = InProcessApp()


def as_uuid(value: object) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


@schema.hook
def map_path_parameters(context, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Aim about half the generated ids at real firms and users, so that more than 404 is exercised."""
    if not path_parameters:
        return path_parameters
    # Only ids valid as generated are swapped: a negative case must stay negative.
    firm_id = path_parameters.get("firm_id")
    if type(firm_id) is int and firm_id % 2 == 0:
        firm_ids = list(Firm.objects.order_by("pk").values_list("pk", flat=True))
        path_parameters["firm_id"] = firm_ids[firm_id // 2 % len(firm_ids)]
    public_id = as_uuid(path_parameters.get("public_id"))
    if public_id is not None and public_id.int % 2 == 0:
        user_ids = list(User.objects.exclude(firm=None).order_by("pk").values_list("public_id", flat=True))
        path_parameters["public_id"] = str(user_ids[public_id.int // 2 % len(user_ids)])
    return path_parameters


# The session of the running test: the auth provider below reads it for each generated case.
CURRENT_SESSION: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class AgentSession:
    """Sign each case in as the test's level 2 agent: session cookie, CSRF cookie and header."""

    def get(self, case, context) -> dict[str, str] | None:
        # None outside a test: schemathesis also builds cases while collecting.
        return dict(CURRENT_SESSION) or None

    def set(self, case, data: dict[str, str], context) -> None:
        case.cookies = {**(case.cookies or {}), **data}
        case.headers = {**(case.headers or {}), "X-CSRFToken": data["csrftoken"]}


@pytest.fixture
def agent_session(demo, agent_client) -> Iterator[None]:
    agent = agent_client(2)
    CURRENT_SESSION.update(firmid_session=agent.cookies["firmid_session"].value, csrftoken=get_random_string(32))
    yield
    CURRENT_SESSION.clear()


@schema.parametrize()
# Derandomized: the same examples at every run, so CI cannot go red by the luck of a draw.
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.usefixtures("agent_session")
def test_api_conforms_to_its_schema(case) -> None:
    case.call_and_validate()
