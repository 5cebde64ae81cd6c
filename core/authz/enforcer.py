"""An exact, indexed evaluation of the casbin model in ``model.conf``.

pycasbin's ``Enforcer`` scans every policy line per check (milliseconds at city
scale). The matcher here is plain equality plus the domain role graph, so the
same answer comes from hash look-ups: the policies indexed by (subject,
domain), the role graph per domain, and a memo of answers cleared on every
change. ``tests/core/test_authz.py`` compares it with casbin on a random sample.
"""

from __future__ import annotations

import pathlib
from collections import defaultdict
from collections.abc import Iterable

MODEL_PATH = pathlib.Path(__file__).with_name("model.conf")
ANY_DOMAIN = "*"
MAX_HIERARCHY = 10  # casbin's default role-manager level: the subject plus nine hops


class FastEnforcer:
    """Answers ``enforce(sub, dom, obj, act)`` exactly as casbin does with ``model.conf``."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self._perms: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
        self._links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._domains_of: dict[str, set[str]] = defaultdict(set)
        self._memo: dict[tuple[str, str, str, str], bool] = {}
        self._roles_memo: dict[tuple[str, str], frozenset[str]] = {}

    # ---------------------------------------------------------------- changes

    def load(self, lines: Iterable[tuple[str, ...]]) -> None:
        self.clear()
        for line in lines:
            self.add(line)

    def add(self, line: tuple[str, ...]) -> None:
        ptype = line[0]
        if ptype == "p":
            _, sub, dom, obj, act = line[:5]
            self._perms[(sub, dom)].add((obj, act))
        elif ptype == "g":
            _, user, role, dom = line[:4]
            self._links[dom][user].add(role)
            self._domains_of[user].add(dom)
            self._roles_memo.clear()
        self._memo.clear()

    def remove(self, line: tuple[str, ...]) -> None:
        ptype = line[0]
        if ptype == "p":
            _, sub, dom, obj, act = line[:5]
            self._perms.get((sub, dom), set()).discard((obj, act))
        elif ptype == "g":
            _, user, role, dom = line[:4]
            roles = self._links.get(dom, {}).get(user)
            if roles is not None:
                roles.discard(role)
                if not roles:
                    self._domains_of[user].discard(dom)
            self._roles_memo.clear()
        self._memo.clear()

    # ---------------------------------------------------------------- queries

    def roles_for(self, sub: str, dom: str) -> frozenset[str]:
        """``sub`` and every role it reaches in ``dom`` (transitively, casbin's depth limit)."""
        key = (sub, dom)
        found = self._roles_memo.get(key)
        if found is not None:
            return found
        graph = self._links.get(dom, {})
        seen = {sub}
        frontier = [sub]
        for _ in range(MAX_HIERARCHY - 1):
            nxt = []
            for name in frontier:
                for role in graph.get(name, ()):
                    if role not in seen:
                        seen.add(role)
                        nxt.append(role)
            if not nxt:
                break
            frontier = nxt
        found = frozenset(seen)
        self._roles_memo[key] = found
        return found

    def enforce(self, sub: str, dom: str, obj: str, act: str) -> bool:
        key = (sub, dom, obj, act)
        answer = self._memo.get(key)
        if answer is None:
            want = (obj, act)
            perms = self._perms
            answer = any(
                want in perms.get((name, ANY_DOMAIN), ()) or want in perms.get((name, dom), ()) for name in self.roles_for(sub, dom)
            )
            if len(self._memo) > 500_000:
                self._memo.clear()
            self._memo[key] = answer
        return answer

    def enforce_any(self, sub: str, domains: Iterable[str], obj: str, act: str) -> bool:
        return any(self.enforce(sub, dom, obj, act) for dom in domains)

    def domains_of(self, sub: str) -> frozenset[str]:
        """The domains where ``sub`` has a direct role assignment."""
        return frozenset(self._domains_of.get(sub, ()))

    def direct_roles(self, sub: str, dom: str) -> frozenset[str]:
        return frozenset(self._links.get(dom, {}).get(sub, ()))


def casbin_enforcer(lines: Iterable[tuple[str, ...]]):
    """pycasbin's own ``Enforcer`` on the same lines: the reference the fast one is checked against."""
    import casbin

    from core.authz.adapter import MemoryAdapter

    return casbin.Enforcer(str(MODEL_PATH), MemoryAdapter(list(lines)))
