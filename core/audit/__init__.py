"""Audit log: every write recorded, append-only, hash-chained per tenant."""
