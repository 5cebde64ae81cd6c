"""A casbin adapter over rule lines already read from the ``casbin_rules`` table."""

from __future__ import annotations

from casbin import persist


class MemoryAdapter(persist.Adapter):
    """Feeds casbin the lines the platform keeps in its database."""

    def __init__(self, lines: list[tuple[str, ...]]) -> None:
        self.lines = lines

    def load_policy(self, model) -> None:
        for line in self.lines:
            persist.load_policy_line(", ".join(line), model)

    def save_policy(self, model) -> bool:  # the platform writes through core.authz.store
        return False

    def add_policy(self, sec, ptype, rule) -> None:
        pass

    def remove_policy(self, sec, ptype, rule) -> None:
        pass

    def remove_filtered_policy(self, sec, ptype, field_index, *field_values) -> None:
        pass
