"""The running sandbox: its state, the app that mounts every route over it, the ``/_sim/``
admin routes, the state file kept across restarts, and uvicorn."""
