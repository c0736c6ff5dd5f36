"""Jobs for workers: collect one account, run (report and deliver) one account, alerts.

The job engine is procrastinate, on the store's own PostgreSQL (no broker): workers take
jobs with ``SELECT ... FOR UPDATE SKIP LOCKED`` and wake on ``LISTEN/NOTIFY``; a job's
*lock* (``account:NAME``) lets one job of an account run at a time, on any machine; its
*queueing lock* keeps one job of a kind per account waiting; periodic tasks start runs on
the configured cadence. See docs/workers.md.
"""
