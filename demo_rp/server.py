"""Serving the demo application: a small threaded WSGI server on a loopback port."""

from __future__ import annotations

import logging
import sys
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from demo_rp.app import DocumentsApp
from demo_rp.config import Config

log = logging.getLogger("demo_rp")


class _Server(ThreadingMixIn, WSGIServer):
    # One thread per connection: a browser's idle pre-connection must not stall the others.
    daemon_threads = True
    allow_reuse_address = True


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 — the base class's name
        log.info("%s %s", self.address_string(), format % args)


def bind(host: str, port: int) -> WSGIServer:
    """A server listening on host:port (0: any free port), not serving yet; set_app() it."""
    return _Server((host, port), _Handler)


class Running:
    """The demo application served in a thread of this process (the browser tests use it)."""

    def __init__(self, config: Config, server: WSGIServer) -> None:
        self.config = config
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, name="documents-demo", daemon=True)

    @property
    def url(self) -> str:
        return self.config.base_url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_in_thread(*, issuer: str, client_id: str, client_secret: str, host: str = "127.0.0.1") -> Running:
    """Start the demo application on a free port of `host`, signing in through `issuer`."""
    server = bind(host, 0)
    port = server.server_address[1]
    config = Config(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        host=host,
        port=port,
        base_url=f"http://{host}:{port}",
    )
    server.set_app(DocumentsApp(config))
    running = Running(config, server)
    running.thread.start()
    return running


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="[documents] %(message)s", stream=sys.stderr)
    config = Config.from_env()
    try:
        server = bind(config.host, config.port)
    except OSError as error:
        log.error("Cannot listen on %s:%s: %s", config.host, config.port, error)
        raise SystemExit(1) from error
    server.set_app(DocumentsApp(config))
    log.info(
        "Documents (demo application) on %s/, signing in through %s as %r",
        config.base_url,
        config.issuer,
        config.client_id,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
