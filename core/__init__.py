"""redprop kernel: app factory, settings, database, identity, authorisation, plugin host."""
