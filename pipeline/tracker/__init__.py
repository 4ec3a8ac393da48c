"""The recommendations tracker: a spreadsheet the group edits by hand and qap keeps up to date."""

from __future__ import annotations

from pipeline.tracker.plan import read_tracker_items
from pipeline.tracker.service import TrackerResult, update_tracker

__all__ = ["TrackerResult", "read_tracker_items", "update_tracker"]
