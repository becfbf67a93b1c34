"""Backfill: many editions built as Dask tasks, resumable, retried, journalled.

The only package that uses Dask. ``batch`` runs on the client (plan, submit, retry,
journal, progress); ``task`` is what a worker runs for one edition (check, build through
``publish``, return a small record); ``journal`` is the SQLite record in the output folder.
What outputs are made from, and the outputs on disk, are hashed by ``publisher.fingerprint``
(shared with ``publisher site``).
See docs/backfill.md.
"""

from .batch import BackfillError, Cluster, Summary, Tally, backfill
from .journal import JOURNAL, Journal, JournalError, Report, report

__all__ = ["JOURNAL", "BackfillError", "Cluster", "Journal", "JournalError", "Report", "Summary",
           "Tally", "backfill", "report"]
