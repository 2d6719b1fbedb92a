"""Show firms' SSO connections (never a secret) and test one against its provider."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from firmid.core.errors import ServiceError
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.sso.selectors import connection_status, firm_connections, firms_with_connections, sso_redirect_uri
from firmid.sso.services import sso_connection_test
from firmid.sso.upstream import UpstreamError
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get

USER_TYPES = [user_type.value for user_type in UserType]


class Command(BaseCommand):
    help = "List firms' SSO connections (never their secrets), or test one: discovery and keys, in plain words."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,test}")
        listing = actions.add_parser("list", help="Show the connections of one firm, or of every firm that has one.")
        listing.add_argument("--firm", help="The firm's exact name, or its id.")
        testing = actions.add_parser("test", help="Fetch a connection's discovery document and keys afresh (audited).")
        testing.add_argument("--firm", required=True, help="The firm's exact name, or its id.")
        testing.add_argument("--type", "--user-type", dest="user_type", required=True, choices=USER_TYPES)

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "test":
            self._test(firm_named(options["firm"]), UserType(options["user_type"]))
        elif options["firm"]:
            self._list(firm_named(options["firm"]), every_type=True)
        else:
            for firm in firms_with_connections():
                self._list(firm, every_type=False)
        self.stdout.write(f"Redirect URI to register at each provider: {sso_redirect_uri()}")

    def _list(self, firm: Firm, *, every_type: bool) -> None:
        self.stdout.write(f"{firm.name} (id {firm.pk})")
        connections = firm_connections(firm=firm)
        for user_type in UserType:
            connection = connections.get(user_type)
            if connection is not None or every_type:
                self.stdout.write(f"  {user_type.value:<18} {connection_status(connection).label}")
            for line in describe(connection) if connection is not None else ():
                self.stdout.write(f"    {line}")

    def _test(self, firm: Firm, user_type: UserType) -> None:
        connection = firm_connections(firm=firm).get(user_type)
        if connection is None:
            raise CommandError(f"{firm.name} has no SSO connection for {user_type.label}.")
        try:
            checks = sso_connection_test(connection=connection, actor=None)
        except UpstreamError as error:
            raise CommandError(f"Test connection failed ({error.problem.value}): {error.message}") from None
        self.stdout.write(self.style.SUCCESS(f"Test connection passed: {firm.name}, {user_type.label}."))
        for check in checks:
            self.stdout.write(f"  {check}")


def describe(connection: SsoConnection) -> list[str]:
    """The connection's settings, one per line: the secret only as set or not, and when."""
    changed = connection.secret_changed_at
    secret = f"set on {changed:%Y-%m-%d %H:%M} UTC" if connection.has_secret and changed else "not set"
    company = connection.client_company.name if connection.client_company else "—"
    return [
        f"issuer:                {connection.issuer}",
        f"client id:             {connection.client_id}",
        f"client secret:         {secret}",
        f"scopes:                {connection.scopes}",
        f"email domains:         {', '.join(connection.email_domains) or '—'}",
        f"create users:          {'yes' if connection.create_users else 'no'}",
        f"require upstream MFA:  {'yes' if connection.require_upstream_mfa else 'no'}",
        f"client company:        {company}",
    ]


def firm_named(name_or_id: str) -> Firm:
    """Return the firm with this exact name, else with this id (as the MFA commands find it)."""
    firm = Firm.objects.filter(name=name_or_id.strip()).first()
    if firm is not None:
        return firm
    if name_or_id.strip().isdigit():
        try:
            return firm_get(pk=int(name_or_id))
        except ServiceError as refused:
            raise CommandError(refused.message) from None
    raise CommandError(f"No accounting firm is named {name_or_id!r}.")
