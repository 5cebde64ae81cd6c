"""PostgreSQL row-level security: the second wall behind the ORM's scope filter.

Migrations call :func:`enable` for every compound-scoped table (plugins too).
Policies call STABLE functions, each in a scalar subquery so a statement runs
it once (an InitPlan, :func:`scope_predicate`), and keep using indexes:
``redprop_scope_compounds()`` reads the transaction-local
setting the session hook writes; ``redprop_scope_all()`` (every compound) asks
whether the connected role is a member of :data:`WORKER_ROLE` — a fact about
the login, not a setting the application's role could write itself.
"""

from __future__ import annotations

from alembic import op

WORKER_ROLE = "redprop_worker"
"""The role of cross-scope work (``REDPROP_CROSS_SCOPE_DATABASE_URL``): jobs, operator commands, authentication."""

SCOPE_ALL_BY_SETTING = """CREATE OR REPLACE FUNCTION redprop_scope_all() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('redprop.scope', true), '') = 'all'
$$"""
"""Before core_0005: any session could widen itself with ``SET LOCAL redprop.scope = 'all'`` (kept for the downgrade)."""

SCOPE_ALL_BY_ROLE = f"""CREATE OR REPLACE FUNCTION redprop_scope_all() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT pg_has_role(current_user, '{WORKER_ROLE}', 'MEMBER')
$$"""

FUNCTIONS = (
    SCOPE_ALL_BY_SETTING,
    """CREATE OR REPLACE FUNCTION redprop_scope_compounds() RETURNS uuid[] LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('redprop.compound_ids', true), ''), '{}')::uuid[]
$$""",
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def install_functions() -> None:
    if _postgres():
        for statement in FUNCTIONS:
            op.execute(statement)


APPEND_ONLY = ("audit_entries",)
"""Tables the application's and the cross-scope roles may read and append to, never update or delete."""

EXEMPT = {
    "outbox_events": "the platform's event queue: written in any compound's transaction and read by every process's"
    " dispatcher, sweep and retention on the application's role without a scope (Scope.nothing()); no route reads it",
}
"""Tables with a ``compound_id`` column and no row-level security, each with the written reason (docs/architecture.md)."""


def exemptions(models) -> dict[str, str]:
    """The kernel's exemptions and those plugins declare on a model (``__rls_exempt__ = "why"``): a tenant's own
    record that merely names a compound (a district's news item, a nomination in a district-wide public vote)."""
    found = dict(EXEMPT)
    for model in models:
        reason = getattr(model, "__rls_exempt__", None)
        if reason:
            found[model.__tablename__] = reason
    return found


def scope_predicate(column: str = "compound_id", platform_rows: bool = False, *, once: bool = True) -> str:
    """A table's policy: every compound for the cross-scope role, else the transaction's scope (and, with
    ``platform_rows``, rows of no compound).

    ``once``: each function is asked in a scalar subquery, which PostgreSQL runs once per statement (an InitPlan);
    called bare, the inlined ``redprop_scope_compounds()`` parsed the scope's text into a ``uuid[]`` again for every
    row: 1,149 residents under a 200-compound scope (an enterprise's or district's admin) took 463 ms against 3.6 ms.
    Citus refuses subqueries in policies on distributed tables, so a database with the citus extension keeps the
    bare form (``once=False``; :func:`policy_rewrites` turns one into the other).
    """
    if once:
        predicate = f"(SELECT redprop_scope_all()) OR {column} = ANY ((SELECT redprop_scope_compounds())::uuid[])"
    else:
        predicate = f"redprop_scope_all() OR {column} = ANY (redprop_scope_compounds())"
    return f"{predicate} OR {column} IS NULL" if platform_rows else predicate


POLICIES_SQL = (
    "SELECT tablename, policyname, qual, with_check FROM pg_policies "
    "WHERE schemaname = current_schema() AND policyname LIKE '%\\_scope' AND qual LIKE '%redprop_scope_compounds()%'"
)
"""The scope policies (``tablename, policyname, qual, with_check``) as ``pg_policies`` shows them."""
_SHOWN_ONCE = (
    ("( SELECT redprop_scope_all() AS redprop_scope_all)", "redprop_scope_all()"),
    ("ANY (( SELECT redprop_scope_compounds() AS redprop_scope_compounds)::uuid[])", "ANY (redprop_scope_compounds())"),
)


def policy_rewrites(rows, *, once: bool, tables: set[str] | None = None) -> list[str]:
    """``ALTER POLICY`` statements turning the scope policies ``rows`` (from :data:`POLICIES_SQL`) into the
    once-per-statement form or back into the bare one (for Citus); policies already in that form are left alone."""
    statements = []
    for table, name, qual, check in rows:
        if tables is not None and table not in tables:
            continue
        if ("SELECT redprop_scope_compounds()" in qual) == once:
            continue

        def swap(text: str) -> str:
            for shown, bare in _SHOWN_ONCE:
                text = text.replace(bare, shown) if once else text.replace(shown, bare)
            return text

        clauses = f"USING ({swap(qual)})" + (f" WITH CHECK ({swap(check)})" if check else "")
        statements.append(f'ALTER POLICY "{name}" ON "{table}" {clauses}')
    return statements


def _citus() -> bool:
    return op.get_bind().exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'citus'").first() is not None


def enable(table: str, column: str = "compound_id", platform_rows: bool = False) -> None:
    """Turn on (and force) row-level security for ``table`` scoped by ``column``.

    ``platform_rows``: rows whose ``column`` is NULL (a platform-wide notification, a log entry of a tenant-level
    change) belong to no compound and stay visible to every scope.
    """
    if not _postgres():
        return
    predicate = scope_predicate(column, platform_rows, once=not _citus())
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_scope ON {table} USING ({predicate}) WITH CHECK ({predicate})")


def disable(table: str) -> None:
    if not _postgres():
        return
    op.execute(f"DROP POLICY IF EXISTS {table}_scope ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def _create_role(role: str) -> None:
    op.execute(
        f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
    CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$"""
    )


def _grant_data_rights(role: str) -> None:
    """Read and write every table (present and future), own none, never touch ``alembic_version``."""
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {role}")
    for table in APPEND_ONLY:  # granting ALL TABLES again (a later plugin's migration) must not give these back
        op.execute(
            f"""DO $$ BEGIN
  IF to_regclass('public.{table}') IS NOT NULL THEN
    REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {role};
  END IF;
END $$"""
        )


def grant_app_role(role: str) -> None:
    """Create the application role if missing and give it data rights (never ownership).

    Plugins call this after creating their tables; the cross-scope role, once
    it exists, gets the same rights on them.
    """
    if not _postgres():
        return
    _create_role(role)
    _grant_data_rights(role)
    if op.get_bind().exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{WORKER_ROLE}'").first() is not None:
        _grant_data_rights(WORKER_ROLE)


def grant_worker_role(app_role: str) -> None:
    """Create the cross-scope role if missing, give it data rights and keep it apart from ``app_role``.

    Neither role may be a member of the other: a member of the worker role
    would pass every policy's "all compounds" branch.
    """
    if not _postgres():
        return
    _create_role(WORKER_ROLE)
    _grant_data_rights(WORKER_ROLE)
    for member, group in ((app_role, WORKER_ROLE), (WORKER_ROLE, app_role)):
        op.execute(
            f"""DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
             WHERE g.rolname = '{group}' AND u.rolname = '{member}') THEN
    REVOKE {group} FROM {member};
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{member}') AND pg_has_role('{member}', '{group}', 'MEMBER') THEN
    RAISE EXCEPTION 'role {member} is a member of {group} (through another role); revoke that before migrating';
  END IF;
END $$"""
        )


def scope_all_by_role() -> None:
    """Every compound only for members of the cross-scope role (core_0005)."""
    if _postgres():
        op.execute(SCOPE_ALL_BY_ROLE)


def scope_all_by_setting() -> None:
    """The pre-core_0005 function (downgrade only)."""
    if _postgres():
        op.execute(SCOPE_ALL_BY_SETTING)
