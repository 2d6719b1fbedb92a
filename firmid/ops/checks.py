"""System checks of the deployment settings that decide who a client is."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from firmid.core.client_address import parse_networks


@register(Tags.security)
def check_trusted_proxies(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    values = settings.FIRMID_TRUSTED_PROXIES
    if isinstance(values, str):
        return [Error(
            "FIRMID_TRUSTED_PROXIES must be a list of addresses or networks, not one string.",
            hint='Write ["10.0.0.0/24"], or set the environment variable to 10.0.0.0/24,10.0.1.5.',
            id="firmid.E020",
        )]
    try:
        networks = parse_networks(values)
    except ImproperlyConfigured as error:
        return [Error(
            f"{error} Each entry must be an IP address or a CIDR network such as 10.0.0.0/24.",
            hint="List the addresses of your proxies only (docs/deployment.md).",
            id="firmid.E021",
        )]
    everyone = [str(n) for n in networks if n.prefixlen == 0]
    if everyone:
        return [Error(
            f"FIRMID_TRUSTED_PROXIES trusts every address ({', '.join(everyone)}): any client could "
            "name any address in X-Forwarded-For and escape the rate limits.",
            hint="List the addresses of your proxies only (docs/deployment.md).",
            id="firmid.E022",
        )]
    return []


@register(Tags.security, deploy=True)
def check_proxy_configured(app_configs, **kwargs):  # noqa: ANN001, ANN003, ANN201
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.FIRMID_TRUSTED_PROXIES:
        return [Warning(
            "FIRMID_TRUSTED_PROXIES is empty: X-Forwarded-For and X-Forwarded-Proto are ignored, so "
            "behind a proxy every client has the proxy's address and every request looks like plain HTTP.",
            hint="Set FIRMID_TRUSTED_PROXIES to your proxies' addresses (docs/deployment.md).",
            id="firmid.W023",
        )]
    return []
