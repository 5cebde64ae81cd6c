"""redprop's test kit: an app on a temporary database with the demo city, users, a clock and a worker."""

pytest_plugins = ["core.testing.plugin"]
