"""Helpers shared by the benchmarks in bench/, one module per concern.

- `stats`: figures (percentiles, medians, ms), PASS/FAIL targets, hasher-call counts;
- `machine`: the machine line printed at the top of every bench;
- `processes`: CPU time and memory of this process, gunicorn and PostgreSQL, from /proc;
- `servers`: PostgreSQL (via scripts/with-services), Django set-up, gunicorn;
- `seed`: bench users (with known TOTP seeds), applications and a support agent;
- `clients`: the HTTP clients a sign-in runs on (http.client, Django's test client);
- `flows`: one full OpenID Connect sign-in (PKCE, password, TOTP, tokens).

Nothing here is imported by firmid itself. The benchmarks are standalone scripts; the ones
that need PostgreSQL re-execute themselves under `scripts/with-services` (a throw-away
server on loopback) unless DATABASE_URL already names a PostgreSQL database.
"""
