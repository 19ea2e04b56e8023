"""Adapters shared by the layers: PostgreSQL (pools, the embedded server, LISTEN, advisory
locks), the read-your-writes watermark, security (JWT keys, Argon2, sessions, one-time
tokens, rate limits, revocations), mail delivery, settings, and the FastAPI dependencies
that hand them to routes. Below the layers; never imports them or the composition root."""
