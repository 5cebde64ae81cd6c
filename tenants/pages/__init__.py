"""The control plane's console and portal pages, mounted like any plugin's (``core.web.api.page_router``).

Templates are ``tenants/templates`` (found as ``tenants/<name>``), messages
``tenants/locale``; the shell around them (layout, navigation, switchers) is
the kernel's.
"""

from __future__ import annotations

from typing import Any

from core.web.api import page_router
from tenants.pages.compound import CommitteePages, HousingPages, ModulesPages, ResidentsPages
from tenants.pages.console import CompoundsPages, PlansPages, TenantsPages
from tenants.pages.imports import ImportPages
from tenants.pages.joining import JoiningPages, JoinPages, MyRoomsPages
from tenants.pages.portal import PortalHomePages

ROUTE_HANDLERS: list = [
    page_router(
        [TenantsPages, CompoundsPages, PlansPages, HousingPages, ResidentsPages, CommitteePages, ModulesPages, ImportPages, JoiningPages]
    ),
    page_router([PortalHomePages, JoinPages, MyRoomsPages]),
]

C = "/console/compounds/{compound_id}"
# the administration entries come before the kernel's users, roles and audit log (order 100)
PAGES: list[dict[str, Any]] = [
    {"group": "compound", "path": C, "label_zh": "小区概况", "label_en": "Compound profile", "permission": "tenants.compound:read"},
    {"group": "compound", "path": C + "/housing", "label_zh": "房屋", "label_en": "Housing", "permission": "tenants.housing:read"},
    {"group": "compound", "path": C + "/residents", "label_zh": "居民", "label_en": "Residents", "permission": "tenants.resident:read"},
    {
        "group": "compound",
        "path": C + "/committee",
        "label_zh": "业主委员会",
        "label_en": "Owners' committee",
        "permission": "tenants.committee:read",
    },
    {
        "group": "compound",
        "path": C + "/joining",
        "label_zh": "住户入驻",
        "label_en": "Residents joining",
        "permission": "tenants.binding:read",
    },
    {
        "group": "compound",
        "path": C + "/import",
        "label_zh": "Excel 导入",
        "label_en": "Excel import",
        "permission": "tenants.housing:write",
    },
    {
        "group": "compound",
        "path": C + "/modules",
        "label_zh": "模块与订阅",
        "label_en": "Modules and subscription",
        "permission": "tenants.module:read",
    },
    {
        "group": "admin",
        "path": "/console/tenants",
        "label_zh": "租户",
        "label_en": "Tenants",
        "permission": "core.tenant:read",
        "order": 10,
    },
    {
        "group": "admin",
        "path": "/console/compounds",
        "label_zh": "小区",
        "label_en": "Compounds",
        "permission": "tenants.compound:read",
        "order": 10,
    },
    {"group": "admin", "path": "/console/plans", "label_zh": "套餐", "label_en": "Plans", "permission": "core.plan:read", "order": 10},
]
