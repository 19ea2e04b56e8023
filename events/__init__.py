"""The domain: aggregates, their past-tense events, and the event store they live in."""
