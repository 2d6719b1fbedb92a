"""Every test's fixtures come from firmid/testing/ (pytest_plugin) and the audit fault trigger.

Tests import helpers from firmid.testing, never from a conftest or another test file.
"""

# failing_audit: a real failing trigger on the audit table (firmid/testing/audit.py).
pytest_plugins = ["firmid.testing.pytest_plugin", "firmid.testing.audit"]
