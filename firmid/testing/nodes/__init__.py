"""firmid as it runs in production, for the suites that drive it from outside (tests/multiprocess, tests/faults).

A throw-away PostgreSQL (postgres.py), gunicorn nodes on loopback ports (servers.py), users
seeded with the servers' own settings (seed.py), and a browser over HTTP (browsers.py).
"""
