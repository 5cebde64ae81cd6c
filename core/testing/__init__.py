"""The test kit redprop ships for plugin authors: pytest fixtures and the plugin contract suite.

In a plugin's ``tests/conftest.py``::

    pytest_plugins = ["core.testing.plugin"]

gives the fixtures (``app``, ``client``, ``as_user``, ``city``, ``db``, ``clock``, ``worker``, ``enable_module``,
``count_statements`` …, see :mod:`core.testing.plugin`), and::

    from core.testing.contract import ContractSuite

    class TestContract(ContractSuite):
        plugin = "redprop_parcel_lockers"

runs the contract suite against the plugin (:mod:`core.testing.contract`). SQLite by default; with
``REDPROP_TEST_BACKEND=postgresql`` (and ``REDPROP_TEST_PG_URL``) the same tests run on PostgreSQL, the application
connecting as the non-owner role so that row-level security applies.
"""
