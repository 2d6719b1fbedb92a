"""gunicorn's settings that firmid decides (gunicorn reads ./gunicorn.conf.py when started here).

gunicorn believes a proxy's X-Forwarded-Proto (wsgi.url_scheme) only from the same proxies
as firmid does: FIRMID_TRUSTED_PROXIES, not gunicorn's own default (loopback). One header
says HTTPS, the one the documented proxy sets and Django's SECURE_PROXY_SSL_HEADER reads.
Command-line flags still override these (docs/deployment.md).
"""

from config import env

forwarded_allow_ips = ",".join(env.networks("FIRMID_TRUSTED_PROXIES", ""))
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
# The access log names the client as firmid decided it (TrustedProxyMiddleware), not the proxy.
access_log_format = '%({firmid.client_address}e)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
