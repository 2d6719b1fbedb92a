"""Create the multi-process tests' firms and users in the database of DATABASE_URL.

Run as a plain script with the same environment as the servers (DJANGO_SETTINGS_MODULE,
DATABASE_URL, FIRMID_ENCRYPTION_KEYS...). Reads a JSON list of users on stdin:
    [{"email", "role", "firm" (name or null), "support_level" (or null), "secret" (or null)}]
and a password (first line), and prints {email: {"id", "firm_id"}} as JSON.
A `secret` (base32) gives the user a configured authenticator app, as enrolment would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))


def main() -> None:
    import django

    django.setup()

    from firmid.accounts.services import user_create
    from firmid.core.seams.allauth import TOTP
    from firmid.tenancy.services import firm_create

    password = sys.stdin.readline().rstrip("\n")
    created = {}
    for spec in json.load(sys.stdin):
        firm = firm_create(name=spec["firm"]) if spec.get("firm") else None
        user = user_create(
            email=spec["email"],
            full_name=spec["email"].split("@")[0],
            role=spec["role"],
            password=password,
            firm=firm,
            support_level=spec.get("support_level"),
        )
        if spec.get("secret"):
            TOTP.activate(user, spec["secret"])
        created[user.email] = {"id": user.pk, "firm_id": user.firm_id}
    json.dump(created, sys.stdout)


if __name__ == "__main__":
    main()
