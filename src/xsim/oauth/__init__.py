"""Who is calling: xsim's OAuth 2.0 server (code flow with PKCE, token rotation, app-only
bearers) and its OAuth 1.0a verifier, as X runs them."""
