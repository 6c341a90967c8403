"""rr-workflow: Rapid Reviews of serious child safeguarding incidents, on time."""

__version__ = "0.1.0"
