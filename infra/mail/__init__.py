"""Email: messages are queued in the events' transaction and delivered by a background sender."""

OUTBOX_CHANNEL = "vitaltrack_outbox"  # NOTIFYed when a message is queued: the sender wakes
