"""Show firms' SSO connections (never a secret) and test one against its provider."""

from __future__ import annotations

import argparse

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from firmid.core.cli import TranslatedCommand, add_language_option, moment_for_people
from firmid.core.errors import ServiceError
from firmid.policy import UserType
from firmid.sso.models import SsoConnection
from firmid.sso.selectors import connection_status, firm_connections, firms_with_connections, sso_redirect_uri
from firmid.sso.services import sso_connection_test
from firmid.sso.upstream import UpstreamError
from firmid.tenancy.labels import label
from firmid.tenancy.models import Firm
from firmid.tenancy.selectors import firm_get

USER_TYPES = [user_type.value for user_type in UserType]


class Command(TranslatedCommand):
    help = "List firms' SSO connections (never their secrets), or test one: discovery and keys, in plain words."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,test}")
        listing = actions.add_parser("list", help="Show the connections of one firm, or of every firm that has one.")
        listing.add_argument("--firm", help="The firm's exact name, or its id.")
        testing = actions.add_parser("test", help="Fetch a connection's discovery document and keys afresh (audited).")
        testing.add_argument("--firm", required=True, help="The firm's exact name, or its id.")
        testing.add_argument("--type", "--user-type", dest="user_type", required=True, choices=USER_TYPES)
        for sub in (listing, testing):  # `sso_connections list --language fr` as well as before `list`
            add_language_option(sub, default=argparse.SUPPRESS)

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "test":
            self._test(firm_named(options["firm"]), UserType(options["user_type"]))
        elif options["firm"]:
            self._list(firm_named(options["firm"]), every_type=True)
        else:
            for firm in firms_with_connections():
                self._list(firm, every_type=False)
        self.stdout.write(_("Redirect URI to register at each provider: %(uri)s") % {"uri": sso_redirect_uri()})

    def _list(self, firm: Firm, *, every_type: bool) -> None:
        self.stdout.write(_("%(firm)s (id %(id)s)") % {"firm": firm.name, "id": firm.pk})
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
            missing = _("%(firm)s has no SSO connection for %(type)s.")
            raise CommandError(missing % {"firm": firm.name, "type": label(user_type)})
        try:
            checks = sso_connection_test(connection=connection, actor=None)
        except UpstreamError as error:
            failed = _("Test connection failed (%(problem)s): %(message)s")
            raise CommandError(failed % {"problem": error.problem.value, "message": error.message}) from None
        passed = _("Test connection passed: %(firm)s, %(type)s.") % {"firm": firm.name, "type": label(user_type)}
        self.stdout.write(self.style.SUCCESS(passed))
        for check in checks:
            self.stdout.write(f"  {check}")


def describe(connection: SsoConnection) -> list[str]:
    """The connection's settings, one per line: the secret only as set or not, and when."""
    changed = connection.secret_changed_at
    if connection.has_secret and changed:
        secret = _("set on %(moment)s") % {"moment": moment_for_people(changed)}
    else:
        secret = _("not set")
    # A context of their own: other apps' catalogues have these short words too, with other meanings.
    yes, no = pgettext("SSO connection setting", "yes"), pgettext("SSO connection setting", "no")
    rows = [
        (pgettext("SSO connection setting", "issuer"), connection.issuer),
        (pgettext("SSO connection setting", "client id"), connection.client_id),
        (pgettext("SSO connection setting", "client secret"), secret),
        (pgettext("SSO connection setting", "scopes"), connection.scopes),
        (pgettext("SSO connection setting", "email domains"), ", ".join(connection.email_domains) or "—"),
        (pgettext("SSO connection setting", "create users"), yes if connection.create_users else no),
        (pgettext("SSO connection setting", "require upstream MFA"), yes if connection.require_upstream_mfa else no),
        (
            pgettext("SSO connection setting", "client company"),
            connection.client_company.name if connection.client_company else "—",
        ),
    ]
    width = max(len(name) for name, _value in rows) + 3
    return [f"{name + ':':<{width}}{value}" for name, value in rows]


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
    raise CommandError(_("No accounting firm is named %(name)s.") % {"name": repr(name_or_id)})
