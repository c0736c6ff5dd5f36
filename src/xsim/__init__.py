"""xsim: a local X API v2 that behaves like the real one.

It shares no code with :mod:`xpulse`; both are checked against the official OpenAPI
spec and real recordings so that a misreading of the API cannot hide by being made twice.

Packages by concept: :mod:`xsim.world` (what is served), :mod:`xsim.oauth` (who calls),
:mod:`xsim.v2` (the public API), :mod:`xsim.enterprise` (the enterprise APIs) and
:mod:`xsim.server` (the state every route reads, the app that mounts the routes over it);
:mod:`xsim.clock` is read by all, :mod:`xsim.cli` is the ``xsim`` command.
"""

__version__ = "0.1.0"
