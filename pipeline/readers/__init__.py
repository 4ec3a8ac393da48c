"""Readers: turn one inbound file into a RawReturn, after the pre-check says it is safe to parse."""
