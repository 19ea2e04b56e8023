"""VitalTrack composition root: settings, app factory, CLI, security, database plumbing."""

__version__ = "0.1.0"
