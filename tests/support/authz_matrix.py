"""The authorisation matrix (issue 16, point 8): every operation of the served OpenAPI schema × every demo role ×
(own compound, another compound of the same tenant, a compound of another tenant, the own compound with its modules off).

The **expected** answer of a cell is derived, never written per route:

- the route's guard names its permission (``core.authz.guard.requires(obj, act)`` sets ``guard.permission``), a
  gated module's route carries ``opt["module"]``;
- the permissions of a role are the ``p`` lines of the ``policies.csv`` files (read from disk), who holds which role
  the ``g`` lines of the database; pycasbin's own ``Enforcer`` on ``core/authz/model.conf`` judges them (not the
  application's ``FastEnforcer``);
- the compounds a caller reaches follow the reach table of ``docs/architecture.md`` (platform: all; enterprise: the
  compounds it operates; district: its jurisdiction; compound-limited staff: ∩ their compound roles; a resident:
  their households' compounds), computed here from the rows;
- a module is on where the control plane's rule (``core.access.module_state``) says so.

Reach refused → 404, permission refused → 403, module off → 403 ``module-disabled``, otherwise allowed: anything but
401/403 and never a 5xx. A refused answer is a problem body that carries no identifier other than the request's own.

Mutating operations are sent with a query value holding a NUL character: the guard runs first, then
``core.inputs.check_request`` refuses the value (400 naming it) before any handler runs — an authorised caller gets
a 4xx that is not 401/403, a refused one 403/404, and nothing is ever written, so the matrix is deterministic.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import os
import pathlib
import re
import time
import uuid
from typing import Any

from sqlalchemy import select, update

from core.authz.enforcer import casbin_enforcer
from core.authz.models import CasbinRule
from core.authz.store import read_policy_files
from core.db import Database, Scope
from core.identity.models import Membership, User
from tenants.demo import DEMO_PASSWORD
from tenants.models import Compound, ModuleEnablement, Resident, Subscription, Tenant

MUTATING = {"post", "put", "patch", "delete"}
SCOPES = ("own", "same_tenant", "other_tenant", "module_off")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
PROBLEM = "application/problem+json"
PROGRESS = os.environ.get("REDPROP_MATRIX_PROGRESS")
LIMIT = int(os.environ.get("REDPROP_MATRIX_LIMIT", "0"))  # while developing it


@dataclasses.dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the schema: /api/v1/compounds/{compound_id}/...
    guards: tuple[tuple[str, str], ...]  # each guard's permission, in the order they run; () on a public route
    module: str | None
    query: dict[str, str]
    body: bool

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def on_compound(self) -> bool:
        return "{compound_id}" in self.path

    @property
    def params(self) -> list[str]:
        return [p for p in re.findall(r"{([^}]+)}", self.path) if p != "compound_id"]


@dataclasses.dataclass
class Caller:
    username: str
    roles: list[str]
    user_id: uuid.UUID
    tenant_id: uuid.UUID | None
    reach: set[uuid.UUID]
    domains: list[str]  # tenant domain (if any); a compound's own domain is added per cell
    compound_domains: set[str] = dataclasses.field(default_factory=set)  # where the caller holds a compound-limited role
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    compounds: dict[str, uuid.UUID] = dataclasses.field(default_factory=dict)  # scope -> compound


def _normal(path: str) -> str:
    return re.sub(r"{([^}:]+):[^}]+}", r"{\1}", path)


def _sample(schema: dict[str, Any], components: dict[str, Any]) -> str:
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _sample(options[0], components) if options else ""
    if "enum" in schema:
        return str(schema["enum"][0])
    if "default" in schema and schema["default"] is not None:
        return str(schema["default"]).lower() if isinstance(schema["default"], bool) else str(schema["default"])
    kind, fmt = schema.get("type"), schema.get("format")
    if fmt == "date":
        return dt.date.today().isoformat()
    if fmt == "date-time":
        return dt.datetime.now(dt.UTC).isoformat()
    if fmt == "uuid":
        return str(uuid.uuid4())
    if kind in ("integer", "number"):
        return str(max(1, int(schema.get("minimum", 1))))
    if kind == "boolean":
        return "false"
    if "pattern" in schema and "\\d{4}-\\d{2}" in schema["pattern"]:
        return dt.date.today().strftime("%Y-%m")
    return "x"


def operations(app, schema: dict[str, Any]) -> list[Operation]:
    """The schema's operations, each with its route's guard permission and module."""
    handlers: dict[tuple[str, str], Any] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", ()):
                handlers[(method.lower(), _normal(route.path))] = handler
    components = schema.get("components", {}).get("schemas", {})
    out = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            handler = handlers[(method, _normal(path))]
            guards = tuple(g.permission for g in handler.resolve_guards() if getattr(g, "permission", None))
            query = {
                p["name"]: _sample(p.get("schema", {}), components)
                for p in op.get("parameters", [])
                if p.get("in") == "query" and p.get("required")
            }
            out.append(Operation(method, path, guards, handler.opt.get("module"), query, "requestBody" in op))
    return sorted(out, key=lambda o: (o.path, o.method))


# --------------------------------------------------------------------------- the oracle


class Oracle:
    """What the policies say, computed from the policy files, the role assignments and the rows."""

    def __init__(self, host, g_lines: list[tuple[str, ...]]) -> None:
        templates = read_policy_files([(rec.name, pathlib.Path(path)) for rec, path in host.declared("redprop_policies")])
        p_lines = [("p", name, "*", obj, act) for name, t in templates.items() for obj, act in t.permissions]
        self.templates = templates
        self.casbin = casbin_enforcer([*p_lines, *g_lines])
        self._granted: dict[tuple[str, str], set[tuple[str, str]]] = {}

    def permitted(self, caller: Caller, compound_id: uuid.UUID | None, obj: str, act: str) -> bool:
        domains = list(caller.domains)
        if compound_id is not None:
            domains.append(f"compound:{compound_id}")
        else:
            domains += sorted(f"compound:{c}" for c in caller.reach if f"compound:{c}" in caller.compound_domains)
        return any((obj, act) in self.granted(f"u:{caller.user_id}", d) for d in domains)

    def granted(self, subject: str, domain: str) -> set[tuple[str, str]]:
        """What ``subject`` may do in ``domain``: pycasbin's role graph (roles inherited in the domain), the role
        templates' permissions (every template line is of domain ``*``)."""
        key = (subject, domain)
        if key not in self._granted:
            roles = self.casbin.get_implicit_roles_for_user(subject, domain)
            self._granted[key] = {perm for role in roles if role in self.templates for perm in self.templates[role].permissions}
        return self._granted[key]

    def expect(self, op: Operation, caller: Caller, compound_id: uuid.UUID | None, modules_on: dict[str, bool]) -> str:
        """``allow``, ``404`` (not reached), ``403`` (no permission), ``module-disabled`` — as the guards run, in
        order: each ``requires(obj, act)`` checks the reach, then the permission, then the module of the route."""
        for permission in op.guards:
            if permission == ("*", "authenticated"):
                continue
            if compound_id is not None and compound_id not in caller.reach:
                return "404"
            if not self.permitted(caller, compound_id, *permission):
                return "403"
            if op.module and compound_id is not None and not modules_on.get(op.module, True):
                return "module-disabled"
        if op.module and compound_id is not None and not modules_on.get(op.module, True):
            return "module-disabled"  # a gated module's route without a permission guard (a device's signed route) gates itself
        return "allow"


async def callers(db: Database, oracle: Oracle) -> list[Caller]:
    """One demo account per role template that some demo account holds (the first by username), with its reach."""
    async with db.session(Scope.everything("authorisation matrix")) as session:
        g = (await session.execute(select(CasbinRule.v0, CasbinRule.v1, CasbinRule.v2).where(CasbinRule.ptype == "g"))).all()
        users = {u.id: u for u in (await session.scalars(select(User))).all()}
        memberships = {m.user_id: m.tenant_id for m in (await session.scalars(select(Membership).where(Membership.is_default))).all()}
        tenants = {t.id: t.kind for t in (await session.scalars(select(Tenant))).all()}
        compounds = (await session.execute(select(Compound.id, Compound.operator_tenant_id, Compound.district_tenant_id))).all()
        households = (await session.execute(select(Resident.user_id, Resident.compound_id).where(Resident.user_id.is_not(None)))).all()
    holders: dict[str, list[tuple[str, uuid.UUID]]] = {}
    for sub, role, _dom in g:
        if role in oracle.templates and sub.startswith("u:"):
            user = users.get(uuid.UUID(sub[2:]))
            if user is not None and user.username:
                holders.setdefault(role, []).append((user.username, user.id))
    chosen: dict[uuid.UUID, list[str]] = {}
    for role in sorted(holders):
        username, user_id = min(holders[role])
        chosen.setdefault(user_id, []).append(role)
    out = []
    for user_id, roles in chosen.items():
        tenant_id = memberships.get(user_id)
        subject = f"u:{user_id}"
        compound_roles = {uuid.UUID(dom.split(":", 1)[1]) for sub, _r, dom in g if sub == subject and dom.startswith("compound:")}
        if tenant_id is None:
            reach = {c for u, c in households if u == user_id}
        elif tenants[tenant_id] == "platform":
            reach = {c for c, *_ in compounds}
        else:
            column = 1 if tenants[tenant_id] == "enterprise" else 2
            reach = {row[0] for row in compounds if row[column] == tenant_id}
            if not any(sub == subject and dom == f"tenant:{tenant_id}" for sub, _r, dom in g):
                reach &= compound_roles
        domains = [f"tenant:{tenant_id}"] if tenant_id else []
        caller = Caller(users[user_id].username, roles, user_id, tenant_id, reach, domains, {f"compound:{c}" for c in compound_roles})
        caller.compounds = _columns(caller, compounds, tenants)
        out.append(caller)
    return sorted(out, key=lambda c: c.username)


def _columns(caller: Caller, compounds, tenants) -> dict[str, uuid.UUID]:
    """own: a compound the caller reaches; same tenant: another of its tenant's (or, for a resident, of its own
    compound's operator); other tenant: a compound whose operator and district are both other tenants."""
    by_id = {c: (op, dist) for c, op, dist in compounds}
    own = sorted(caller.reach, key=str)[0] if caller.reach else sorted(by_id, key=str)[0]
    mine = {caller.tenant_id} if caller.tenant_id and tenants[caller.tenant_id] != "platform" else {by_id[own][0]}
    same = sorted((c for c, (op, dist) in by_id.items() if c != own and (op in mine or dist in mine)), key=str)
    if not same:
        same = sorted((c for c in by_id if c != own), key=str)
    other = sorted((c for c, (op, dist) in by_id.items() if op not in mine and dist not in mine and dist != by_id[own][1]), key=str)
    return {"own": own, "same_tenant": same[0], "other_tenant": other[0], "module_off": own}


async def switch_modules_off(owner: Database, compound_ids: set[uuid.UUID]) -> None:
    """The ``module_off`` column: the own compounds lose their subscription and every district enablement."""
    async with owner.transaction(Scope.everything("authorisation matrix: modules off")) as session:
        yesterday = dt.date.today() - dt.timedelta(days=2)
        ids = list(compound_ids)
        await session.execute(update(Subscription).where(Subscription.compound_id.in_(ids)).values(ends_on=yesterday))
        await session.execute(update(ModuleEnablement).where(ModuleEnablement.compound_id.in_(ids)).values(enabled=False))


# --------------------------------------------------------------------------- running it


@dataclasses.dataclass
class Cell:
    op: Operation
    caller: str
    scope: str
    expected: str
    status: int
    failure: str = ""

    @property
    def text(self) -> str:
        return f"{self.expected}/{self.status}" + ("!" if self.failure else "")


def judge(expected: str, response, sent: str, denied_inside=lambda response: False) -> str:
    """Empty when the answer agrees with the policy, else why not."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if expected == "allow":
        if status not in (401, 403):
            return ""
        return "" if status == 403 and denied_inside(response) else f"refused ({status}) where the policy allows"
    if status not in (403, 404):
        return f"answered {status} where the policy refuses ({expected})"
    if PROBLEM not in response.headers.get("content-type", ""):
        return "a refusal that is not a problem body"
    body = response.json()
    if expected == "module-disabled" and not str(body.get("type", "")).endswith("/module-disabled"):
        return f"expected the module-disabled answer, got {body.get('type')}"
    if expected == "404" and status != 404:
        return f"an unreached compound answered {status}, not 404"
    leaked = set(UUID_RE.findall(response.text)) - set(UUID_RE.findall(sent))
    if leaked:
        return f"refusal carries identifiers not in the request: {sorted(leaked)[:3]}"
    return ""


class Resolver:
    """Path parameters from real rows: the collection one level up, listed by an account the policy lets list it."""

    def __init__(self, client, callers: list[Caller], ops: list[Operation], oracle: Oracle) -> None:
        self.client = client
        self.callers = callers
        self.lists = {op.path: op for op in ops if op.method == "get"}
        self.oracle = oracle
        self.cache: dict[str, str | None] = {}
        self.requests = 0

    def _listers(self, template: str, compound_id: uuid.UUID | None) -> list[Caller]:
        op = self.lists.get(template)
        if op is None:
            return []
        allowed = [c for c in self.callers if self.oracle.expect(op, c, compound_id, {}) == "allow"]
        return allowed[:3]

    async def value(self, template: str, collection: str, compound_id: uuid.UUID | None, param: str) -> str | None:
        key = f"{collection}#{param}"
        if key not in self.cache:
            self.cache[key] = None
            for caller in self._listers(template, compound_id):
                self.requests += 1
                response = await self.client.get(collection, headers=caller.headers)
                if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
                    continue
                data = response.json()
                items = data.get("items", []) if isinstance(data, dict) else data
                if isinstance(items, list) and items and isinstance(items[0], dict):
                    item = items[0]
                    found = item.get(param, item.get("id", item.get("code")))
                    if found is not None:
                        self.cache[key] = str(found)
                        break
        return self.cache[key]

    async def fill(self, op: Operation, compound_id: uuid.UUID | None) -> str:
        path, template = op.path, op.path
        if compound_id:
            path = path.replace("{compound_id}", str(compound_id))
        for param in op.params:
            head, _tail = path.split("{" + param + "}", 1)
            template_head = template.split("{" + param + "}", 1)[0]
            value = await self.value(template_head.rstrip("/"), head.rstrip("/"), compound_id, param)
            path = path.replace("{" + param + "}", value or str(uuid.uuid4()), 1)
            template = template.replace("{" + param + "}", "{" + param + "}", 1)
        return path


async def run_matrix(client, app, host, owner: Database, db: Database, concurrency: int = 6):
    """The whole matrix: ``(operations, callers, cells, resolver requests)``."""
    schema = (await client.get("/schema/openapi.json")).json()
    ops = operations(app, schema)
    async with db.session(Scope.everything("authorisation matrix")) as session:
        rows = (await session.execute(select(CasbinRule.v0, CasbinRule.v1, CasbinRule.v2).where(CasbinRule.ptype == "g"))).all()
    oracle = Oracle(host, [("g", *row) for row in rows])
    people = await callers(db, oracle)
    for caller in people:
        response = await client.post("/api/v1/auth/login", json={"username": caller.username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, (caller.username, response.text)
        caller.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    resolver = Resolver(client, people, ops, oracle)
    modules = sorted({op.module for op in ops if op.module})
    cells: list[Cell] = []
    started = time.monotonic()
    gate = asyncio.Semaphore(concurrency)

    async def states(compound_id: uuid.UUID) -> dict[str, bool]:
        from core.access import rules

        async with db.session(Scope.everything("authorisation matrix")) as session:
            found = await rules().module_states(session, [compound_id], modules)
        return {m: on for m, (on, _why) in found.get(compound_id, {}).items()}

    async def cell(op: Operation, caller: Caller, scope: str, compound_id: uuid.UUID | None, modules_on, path: str) -> None:
        expected = oracle.expect(op, caller, compound_id, modules_on)
        query = dict(op.query)
        if op.method in MUTATING:
            query["matrix"] = "\x00"  # refused by core.inputs.check_request after the guard: nothing is written
        sent = path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        kwargs: dict[str, Any] = {"headers": caller.headers, "params": query}
        if op.body:
            kwargs["json"] = {"matrix": "\x00"}
        async with gate:
            response = await client.request(op.method.upper(), path, **kwargs)

        def denied_inside(response) -> bool:
            """A handler's own check (``ctx.require``, ``forbidden``) refusing a permission the policy denies too."""
            named = response.json().get("permission") if PROBLEM in response.headers.get("content-type", "") else None
            return bool(named) and not oracle.permitted(caller, compound_id, named.get("object"), named.get("action"))

        failure = judge(expected, response, sent, denied_inside)
        if expected == "allow" and response.status_code == 403 and not failure:
            expected = "403 in handler"
        cells.append(Cell(op, caller.username, scope, expected, response.status_code, failure))
        if PROGRESS and len(cells) % 200 == 0:
            with open(PROGRESS, "a") as fh:
                fh.write(f"{time.monotonic() - started:.1f}s {len(cells)} cells, {resolver.requests} lookups\n")

    async def run(plan) -> None:
        paths = {}
        for op, _caller, _scope, compound_id, _on in plan:
            if (op.key, compound_id) not in paths:
                paths[(op.key, compound_id)] = await resolver.fill(op, compound_id)
        if LIMIT:
            plan = plan[:LIMIT]
        await asyncio.gather(*(cell(op, c, s, cid, on, paths[(op.key, cid)]) for op, c, s, cid, on in plan))

    plan = []
    for scope in SCOPES[:3]:
        for caller in people:
            compound_id = caller.compounds[scope]
            modules_on = await states(compound_id)
            for op in ops:
                if op.on_compound:
                    plan.append((op, caller, scope, compound_id, modules_on))
                elif scope == "own":
                    plan.append((op, caller, "tenant", None, {}))
    await run(plan)
    await switch_modules_off(owner, {c.compounds["module_off"] for c in people})
    plan = []
    for caller in people:
        compound_id = caller.compounds["module_off"]
        modules_on = await states(compound_id)
        assert not any(modules_on.values()), modules_on
        plan += [(op, caller, "module_off", compound_id, modules_on) for op in ops if op.on_compound and op.module]
    await run(plan)
    return ops, people, cells, resolver.requests


def write_table(path: pathlib.Path, ops: list[Operation], people: list[Caller], cells: list[Cell]) -> None:
    """rows = operations, columns = account (roles) × scope, cells = expected/actual (``!`` marks a failure)."""
    columns = [(c.username, s) for c in people for s in ("tenant", *SCOPES)]
    by = {(cell.op.key, cell.caller, cell.scope): cell.text for cell in cells}
    used = [col for col in columns if any((op.key, *col) in by for op in ops)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        roles = {c.username: "+".join(c.roles) for c in people}
        writer.writerow(["operation", "permission", "module", *(f"{u} ({roles[u]})/{s}" for u, s in used)])
        for op in ops:
            permission = " & ".join(":".join(p) for p in op.guards) or "public"
            writer.writerow([op.key, permission, op.module or "", *(by.get((op.key, *col), "") for col in used)])
