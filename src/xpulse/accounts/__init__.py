"""Accounts and their credentials.

Sign-in (OAuth 2.0 PKCE, loopback or headless), the token stores (a file per home, or the
workers' shared table on PostgreSQL), the auths that keep a user token fresh
(``user_auth``) and :func:`~xpulse.accounts.clients.open_client`, the one place that turns
an account's config and secrets into a ready X client. The API client below takes what
this package gives it and knows nothing of the config or the stores.
"""
