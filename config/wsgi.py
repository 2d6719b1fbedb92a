import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Start-up checks that need the database: refuse to serve rather than fail at the first code.
from django.db import connections  # noqa: E402

from firmid.mfa.checks import verify_keys_at_start  # noqa: E402
from firmid.ops.checks import verify_redis_at_start  # noqa: E402

try:
    verify_keys_at_start()
    verify_redis_at_start()
finally:
    connections.close_all()  # loaded before a fork (gunicorn --preload): no connection is shared
