# A firm's users by type, covering what the enrolment reports count (firmid/mfa/reports.py):
# on PostgreSQL they read this index only. The new index is built before the old one goes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                fields=["firm", "role"],
                include=("is_active", "mfa_individually_activated", "id"),
                name="user_firm_role_covering",
            ),
        ),
        migrations.RemoveIndex(
            model_name="user",
            name="user_firm_role",
        ),
    ]
