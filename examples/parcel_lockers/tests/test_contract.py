"""The plugin honours redprop's plugin contract (each rule a test of its own)."""

from core.testing.contract import ContractSuite


class TestContract(ContractSuite):
    plugin = "redprop_parcel_lockers"
