"""Outgoing email: notices of sign-in events and password resets."""

from config import env

EMAIL_BACKEND = env.text("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.text("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "firmid <no-reply@firmid.test>")
