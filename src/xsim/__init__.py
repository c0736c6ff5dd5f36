"""xsim: a local X API v2 that behaves like the real one.

It shares no code with :mod:`xpulse`; both are checked against the official OpenAPI
spec and real recordings so that a misreading of the API cannot hide by being made twice.
"""

__version__ = "0.1.0"
