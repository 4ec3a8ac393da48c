"""The forms qap issues to agencies: Word and Excel returns and progress-update forms."""
