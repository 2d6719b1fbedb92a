"""The demo data of the README: loaded by `make run`, idempotently."""

from __future__ import annotations

from django.db import transaction

from firmid.accounts.models import Role, User
from firmid.policy import UserType
from firmid.sso.services import sso_connect
from firmid.tenancy.services import client_company_create, firm_create, user_create

DEMO_PASSWORD = "demo-password"

AGENTS = [
    ("support.l1@firmid.test", "Sam Level-One", 1),
    ("support.l2@firmid.test", "Lee Level-Two", 2),
    ("support.l3@firmid.test", "Kim Level-Three", 3),
]


@transaction.atomic
def load_demo() -> list[str]:
    """Create what is missing of the demo data; return the emails created."""
    created: list[str] = []

    def user(email: str, name: str, role: str, **where) -> None:  # noqa: ANN003
        if not User.objects.filter(email=email).exists():
            user_create(email=email, full_name=name, role=role, password=DEMO_PASSWORD, **where)
            created.append(email)

    for email, name, level in AGENTS:
        user(email, name, Role.SUPPORT_AGENT, support_level=level)
    demo = firm_create(name="Demo Accounting")
    client_one = client_company_create(firm=demo, name="Client One")
    user("alice@demo-accounting.test", "Alice Martin", Role.PRACTITIONER, firm=demo)
    user("bob@client-one.test", "Bob Durand", Role.CLIENT_ADMINISTRATOR, client_company=client_one)
    user("carol@client-one.test", "Carol Petit", Role.STANDARD_CLIENT, client_company=client_one)
    user("dave@client-one.test", "Dave Leroy", Role.CLIENT_EMPLOYEE, client_company=client_one)
    northwind = firm_create(name="Northwind Partners")
    northwind_client = client_company_create(firm=northwind, name="Northwind Client")
    if not northwind.sso_connections.exists():
        sso_connect(
            firm=northwind, user_type=UserType.PRACTITIONERS,
            issuer="https://idp.northwind.test", client_id="firmid",
        )
    user("erin@northwind.test", "Erin Walsh", Role.PRACTITIONER, firm=northwind)
    user("frank@northwind-client.test", "Frank Moore", Role.STANDARD_CLIENT, client_company=northwind_client)
    return created
