"""The recommendations tracker: a spreadsheet the group edits by hand and qap keeps up to date."""

from __future__ import annotations

from pipeline.tracker.service import TrackerResult, read_tracker_items, update_tracker

__all__ = ["TrackerResult", "read_tracker_items", "update_tracker"]
