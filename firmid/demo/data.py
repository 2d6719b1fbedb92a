"""The demo data of the README: loaded by `make run`, idempotently."""

from __future__ import annotations

from django.db import transaction
from oauth2_provider.models import get_application_model

from firmid.accounts.models import Role, User
from firmid.accounts.services import user_create
from firmid.demo.app_settings import demo_settings
from firmid.oidc.services import application_register
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.sso.services import ConnectionSettings, sso_connection_enable, sso_connection_save
from firmid.tenancy.models import Firm
from firmid.tenancy.services import client_company_create, firm_create

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the demo accounts' published password

AGENTS = [
    ("support.l1@firmid.test", "Sam Level-One", 1),
    ("support.l2@firmid.test", "Lee Level-Two", 2),
    ("support.l3@firmid.test", "Kim Level-Three", 3),
]

# The demo relying party of `make run` (demo_rp/), on its own loopback port.
DEMO_RP_CLIENT_ID = "documents-demo"
DEMO_RP_URL = "http://127.0.0.1:8001/"
# Northwind Partners' own identity provider (demo_idp/northwind.json), started by `make run`.
NORTHWIND_IDP_ISSUER = "http://127.0.0.1:8002"
NORTHWIND_IDP_CLIENT_ID = "firmid-northwind"


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
    _connect_northwind_idp(northwind)
    user("erin@northwind.test", "Erin Walsh", Role.PRACTITIONER, firm=northwind)
    user("frank@northwind-client.test", "Frank Moore", Role.STANDARD_CLIENT, client_company=northwind_client)
    _register_demo_rp()
    return created


def _connect_northwind_idp(northwind: Firm) -> None:
    """Northwind's practitioners sign in through Northwind's provider; a newcomer of its domain is created."""
    connection = SsoConnection.objects.filter(firm=northwind, user_type=UserType.PRACTITIONERS.value).first()
    if connection is None or connection.issuer != NORTHWIND_IDP_ISSUER:
        values = ConnectionSettings(
            issuer=NORTHWIND_IDP_ISSUER,
            client_id=NORTHWIND_IDP_CLIENT_ID,
            client_secret=demo_settings.DEMO_IDP_SECRET,
            email_domains=["northwind.test"],
            create_users=True,
        )
        connection = sso_connection_save(firm=northwind, user_type=UserType.PRACTITIONERS, values=values, actor=None)
    sso_connection_enable(connection=connection, actor=None)


def _register_demo_rp() -> None:
    """Register "Documents", the demo application, with the secret the demo app is configured with."""
    if get_application_model().objects.filter(client_id=DEMO_RP_CLIENT_ID).exists():
        return
    application_register(
        actor=None,
        name="Documents",
        home_url=DEMO_RP_URL,
        redirect_uris=[f"{DEMO_RP_URL}callback"],
        post_logout_redirect_uris=[DEMO_RP_URL],
        client_id=DEMO_RP_CLIENT_ID,
        client_secret=demo_settings.DEMO_RP_SECRET,
    )
