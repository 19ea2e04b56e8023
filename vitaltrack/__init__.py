"""VitalTrack composition root: the app factory, the CLI, health routes and the operator tools
(audit, seed). It imports the layers and kernels; nothing imports it."""

__version__ = "0.1.0"
