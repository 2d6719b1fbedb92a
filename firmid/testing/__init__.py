"""What firmid's tests share: factories, the one sign-in helper, a relying party, fixtures.

Tests import from here, never from another test file; `pytest_plugin` holds the fixtures
(the root conftest.py registers it). Not an app: the layers contract ignores it.
"""
