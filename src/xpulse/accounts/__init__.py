"""Accounts and their credentials.

Sign-in (OAuth 2.0 PKCE, loopback or headless), the token stores (a file per home, or the
workers' shared table on PostgreSQL) and :func:`~xpulse.accounts.clients.open_client`, the
one place that turns an account's config and secrets into a ready X client.
"""
