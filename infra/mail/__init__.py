"""Email: messages are queued in the events' transaction and delivered by a background sender."""
