"""``redprop import …``: bulk import of housing and residents from Excel, with a progress bar."""

from __future__ import annotations

import click


@click.group("import")
def import_group() -> None:
    """Import housing and residents from .xlsx files (all rows or none)."""
