"""Create the database cache table even where Redis is the cache.

0001 created the tables of CACHES, so none under REDIS_URL: a deployment that later runs
without Redis (or fails over to the database) would have had no table for its rate limits.
createcachetable leaves an existing table alone.
"""

from django.core.management import call_command
from django.db import migrations

TABLE = "firmid_cache"


def create_cache_table(apps, schema_editor) -> None:  # noqa: ANN001
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("firmid_core", "0001_cache_table")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
