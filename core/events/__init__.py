"""Domain events: written with the change in one transaction (outbox), dispatched to plugins through jobs."""
