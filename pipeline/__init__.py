"""qap: the multi-agency audit pipeline of a Safeguarding Children Partnership."""

__version__ = "0.1.0"
