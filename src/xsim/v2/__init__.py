"""The public X API v2 (``/2/``): query parsing, the objects on the wire, timelines, the
request pipeline and its rules (plans, rate limits, billing, error bodies, injected faults)."""
