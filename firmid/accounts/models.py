from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from firmid.policy import UserType
from firmid.tenancy.models import ClientCompany, Firm


class Role(models.TextChoices):
    # The labels are for people, in their language; the API and the CLI's arguments use the values.
    PRACTITIONER = "practitioner", _("Practitioner")
    CLIENT_ADMINISTRATOR = "client_administrator", _("Client administrator")
    STANDARD_CLIENT = "standard_client", _("Standard client")
    CLIENT_EMPLOYEE = "client_employee", _("Employee of a client")
    SUPPORT_AGENT = "support_agent", _("Support agent")


ROLES_OF_TYPE: dict[UserType, tuple[str, ...]] = {
    UserType.PRACTITIONERS: (Role.PRACTITIONER,),
    UserType.CLIENTS: (Role.CLIENT_ADMINISTRATOR, Role.STANDARD_CLIENT),
    UserType.CLIENT_EMPLOYEES: (Role.CLIENT_EMPLOYEE,),
}
TYPE_OF_ROLE: dict[str, UserType] = {role: user_type for user_type, roles in ROLES_OF_TYPE.items() for role in roles}
CLIENT_ROLES = (Role.CLIENT_ADMINISTRATOR, Role.STANDARD_CLIENT, Role.CLIENT_EMPLOYEE)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser):
    """A person who signs in: a firm user (by role) or a platform support agent."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    role = models.CharField(max_length=32, choices=Role.choices)
    firm = models.ForeignKey(Firm, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    client_company = models.ForeignKey(
        ClientCompany, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    support_level = models.PositiveSmallIntegerField(null=True, blank=True)
    mfa_individually_activated = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Part of the session hash: raising it ends every session of the user at their next request.
    session_generation = models.PositiveIntegerField(default=0)
    date_joined = models.DateTimeField(auto_now_add=True)
    # The language the user chose (My account, the switch); blank: follow the browser.
    language = models.CharField(max_length=8, blank=True, default="", db_default="")
    # The language of the user's last sign-in: what an email they did not ask for is written
    # in when they chose none (firmid/accounts/language.py).
    last_language = models.CharField(max_length=8, blank=True, default="", db_default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        indexes = [
            # A firm's users by type, with every column the enrolment reports and the impact
            # preview count (firmid/mfa/levels/groups.py): both read the index only, not the
            # table — on SQLite too, which has no INCLUDE, hence key columns.
            models.Index(
                fields=["firm", "role", "is_active", "mfa_individually_activated", "last_login"],
                include=["id"],
                name="user_firm_role_mfa_login",
            ),
        ]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                name="user_agent_or_firm_member",
                condition=(
                    Q(role=Role.SUPPORT_AGENT, firm__isnull=True, support_level__in=[1, 2, 3])
                    | (~Q(role=Role.SUPPORT_AGENT) & Q(firm__isnull=False, support_level__isnull=True))
                ),
            ),
            models.CheckConstraint(
                name="user_client_roles_have_company",
                condition=(
                    Q(role__in=CLIENT_ROLES, client_company__isnull=False)
                    | (~Q(role__in=CLIENT_ROLES) & Q(client_company__isnull=True))
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_support_agent(self) -> bool:
        return self.role == Role.SUPPORT_AGENT

    @property
    def user_type(self) -> UserType | None:
        return TYPE_OF_ROLE.get(self.role)

    # seam: Django's private hook behind get_session_auth_hash (firmid/core/seams/django.py).
    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        return salted_hmac(
            "firmid.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_staff(self) -> bool:
        # Django's own admin is not installed; support agents use the Administration app.
        return False

    @property
    def is_superuser(self) -> bool:
        return False

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False
