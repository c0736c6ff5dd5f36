"""The collector: plan what to read and what it costs, then read it into the store.

``service.prepare``/``service.execute`` are what ``xpulse collect`` calls; ``runner`` does
the work (pages and checkpoints, one transaction each); ``planner``, ``schedule`` and
``pricing`` decide what to read and what it costs; ``cost`` reports what was spent.
"""
