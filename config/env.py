"""The only reader of os.environ: every setting that comes from the environment is read here."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def text(name: str, default: str | None = None) -> str:
    """Return the variable's value, or the default; refuse a missing required one."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def listing(name: str, default: str | None = "") -> list[str]:
    return [item.strip() for item in text(name, default).split(",") if item.strip()]


def networks(name: str, default: str = "") -> list[str]:
    """Return the comma-separated addresses or CIDR networks of the variable, each checked."""
    checked = []
    for item in listing(name, default):
        try:
            checked.append(str(ipaddress.ip_network(item)))
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {item!r} is not an IP address or network ({error}).") from None
    return checked


def persistent_secret(name: str, path: Path, make: callable[[], str]) -> str:
    """Return the variable, else a secret kept in `path` (made once, readable by its owner only).

    Several processes may start at once (gunicorn workers): the file appears whole or
    not at all (written aside, then linked into place), and the first one made wins.
    """
    value = os.environ.get(name)
    if value:
        return value
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text().strip()


def rsa_private_key_pem() -> str:
    """Make a new RSA private key for signing ID tokens, as PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def file_text(name: str, default: str | None = None) -> str:
    """Return the content of the file named by the variable (secrets are files, not env values)."""
    return Path(text(name, default)).read_text()
