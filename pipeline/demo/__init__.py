"""qap demo: the whole job on the sample workspace, from forms issued to reports and the tracker (run.py)."""
