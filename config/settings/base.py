"""Settings shared by every environment; environment-specific modules import this one.

Each concern has its own module below; this one gathers them, so that local.py, test.py,
production.py (and bench.py, through local.py) start from `from config.settings.base import *`.
Every value read from the environment goes through config/env.py.
"""

from config import env
from config.settings.api import *  # noqa: F403
from config.settings.apps import *  # noqa: F403
from config.settings.auth import *  # noqa: F403
from config.settings.mail import *  # noqa: F403
from config.settings.observability import *  # noqa: F403
from config.settings.oidc import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.storage import *  # noqa: F403

BASE_DIR = env.BASE_DIR
