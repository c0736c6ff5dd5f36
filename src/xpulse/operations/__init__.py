"""The use cases the commands call.

Collect, report, run (collect, report, deliver, alert), the outbox, alerts, export,
schedule install and config check; each account's destinations with their secrets resolved
(``targets``), one object per kind of destination (``destinations``): each one module,
each calling the layers below it
(collect, analytics, render, deliver over api and store). The CLI, the dashboard server and
the workers are the ways in; nothing here parses arguments or prints.
"""
