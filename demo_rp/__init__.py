"""Documents: a small demo application that signs its users in through firmid.

A relying party of firmid's OpenID Connect provider, in its own process on its own
loopback port, written as any application of the platform would be: discovery, the
authorization code flow with PKCE (S256) through Authlib, the ID token verified against
the provider's JWKS (signature, iss, aud, exp, iat, nonce), RP-initiated logout.

Run it with ``python -m demo_rp`` (``make run`` starts it next to firmid); see README.md.
"""
