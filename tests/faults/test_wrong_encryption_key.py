"""Issue 12, item 8: a node is started with the wrong FIRMID_ENCRYPTION_KEYS.

The fault: the database holds TOTP secrets encrypted with the stack's key (nodes A and B
started with it); node D is given another key. The rule: firmid checks at start-up that the
configured keys decrypt what the database holds (a canary) and refuses to start with a
plain message, rather than serving and failing at the first code.
"""

from __future__ import annotations

import time

from cryptography.fernet import Fernet

from .stack import Stack, ready, say, wait_for

PLAIN_MESSAGE = "FIRMID_ENCRYPTION_KEYS cannot decrypt"


def test_node_with_wrong_encryption_key_refuses_to_start(stack: Stack) -> None:
    assert stack.one("SELECT count(*) FROM mfa_authenticator WHERE type = 'totp'") >= 1
    started = time.monotonic()
    wrong_key = Fernet.generate_key().decode()
    node = stack.start("D-wrong-key", FIRMID_ENCRYPTION_KEYS=wrong_key)
    try:
        wait_for("the node with the wrong key to exit", lambda: node.master.poll() is not None, 60)
        refused_after = time.monotonic() - started
        output = node.log_text()
        say(f"node with a wrong key refused to start after {refused_after:.1f} s (exit {node.master.returncode})")
        assert node.master.returncode != 0
        assert PLAIN_MESSAGE in output, output[-2000:]
        assert wrong_key not in output and stack.env["FIRMID_ENCRYPTION_KEYS"] not in output
    finally:
        stack.stop(node)
    # The nodes with the right key serve on.
    assert all(ready(n) for n in stack.nodes)
