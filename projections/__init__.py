"""Projectors: the only writers of read tables, fed from the event log in position order."""
