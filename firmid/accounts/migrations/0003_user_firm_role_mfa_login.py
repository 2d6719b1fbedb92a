# A firm's users by type, covering what the enrolment reports and the impact preview count
# (firmid/mfa/levels/groups.py), last sign-in included: they read this index only, on
# PostgreSQL and on SQLite (key columns: SQLite has no INCLUDE). It replaces
# user_firm_role_covering, a prefix of it; the new index is built before the old one goes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_firm_role_covering"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                fields=["firm", "role", "is_active", "mfa_individually_activated", "last_login"],
                include=("id",),
                name="user_firm_role_mfa_login",
            ),
        ),
        migrations.RemoveIndex(
            model_name="user",
            name="user_firm_role_covering",
        ),
    ]
