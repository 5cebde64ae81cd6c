"""What every page of the control plane carries."""

from __future__ import annotations

CATALOG = {"catalog": "tenants"}
"""Route option naming the catalog (``tenants/locale``) that problems shown on these pages are translated with."""
