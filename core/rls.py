"""PostgreSQL row-level security: the second wall behind the ORM's scope filter.

Migrations call :func:`enable` for every compound-scoped table (plugins too).
Policies call STABLE functions that read the transaction-local settings the
session hook writes, so the planner evaluates them once and keeps using indexes.
"""

from __future__ import annotations

from alembic import op

FUNCTIONS = (
    """CREATE OR REPLACE FUNCTION redprop_scope_all() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('redprop.scope', true), '') = 'all'
$$""",
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


def enable(table: str, column: str = "compound_id") -> None:
    """Turn on (and force) row-level security for ``table`` scoped by ``column``."""
    if not _postgres():
        return
    predicate = f"redprop_scope_all() OR {column} = ANY (redprop_scope_compounds())"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_scope ON {table} USING ({predicate}) WITH CHECK ({predicate})")


def disable(table: str) -> None:
    if not _postgres():
        return
    op.execute(f"DROP POLICY IF EXISTS {table}_scope ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def grant_app_role(role: str) -> None:
    """Create the application role if missing and give it data rights (never ownership)."""
    if not _postgres():
        return
    op.execute(
        f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
    CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$"""
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {role}")
