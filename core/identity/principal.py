"""Who is calling: the user, the active tenant and the compounds they may reach."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.db import Scope


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    user_id: uuid.UUID
    username: str | None
    display_name: str
    tenant_id: uuid.UUID | None
    tenant_kind: str | None
    """``platform``, ``enterprise``, ``district``; None for a resident acting for their household."""
    scope: Scope
    compound_domains: frozenset[str] = frozenset()
    """``compound:<id>`` domains where the user holds a compound-limited role."""

    @property
    def subject(self) -> str:
        return subject_of(self.user_id)

    @property
    def tenant_domain(self) -> str | None:
        return tenant_domain(self.tenant_id) if self.tenant_id else None

    def domains_for(self, compound_id: uuid.UUID | None = None) -> list[str]:
        """The casbin domains to check: the active tenant, and a compound's own domain."""
        domains = [self.tenant_domain] if self.tenant_domain else []
        if compound_id is not None:
            domains.append(compound_domain(compound_id))
        else:
            domains.extend(sorted(d for d in self.compound_domains if self.scope.allows(uuid.UUID(d.split(":", 1)[1]))))
        return domains


def subject_of(user_id: uuid.UUID) -> str:
    return f"u:{user_id}"


def tenant_domain(tenant_id: uuid.UUID) -> str:
    return f"tenant:{tenant_id}"


def compound_domain(compound_id: uuid.UUID) -> str:
    return f"compound:{compound_id}"
