"""What the pages of smart_property share: paths, labels and the navigation entries (``redprop_pages``)."""

from __future__ import annotations

from core.web.i18n import N_

C = "/console/compounds/{compound_id:uuid}/smart_property"
D = "/console/smart_property"
P = "/portal/compounds/{compound_id:uuid}/smart_property"

KINDS = {
    "access_gate": N_("Access gate"),
    "camera": N_("Camera"),
    "elevator": N_("Elevator"),
    "fire_panel": N_("Fire alarm panel"),
    "smoke_detector": N_("Smoke detector"),
    "water_meter": N_("Water meter"),
    "power_meter": N_("Power meter"),
    "tank_level": N_("Tank level"),
    "parking_barrier": N_("Parking barrier"),
    "ev_charger": N_("EV charger"),
    "other": N_("Other device"),
}
STATUSES = {"online": N_("Online"), "offline": N_("Offline"), "unknown": N_("Not heard yet")}
SEVERITIES = {"critical": N_("Critical"), "warning": N_("Warning"), "info": N_("Info")}
ALARM_STATES = {"open": N_("Open"), "acknowledged": N_("Acknowledged"), "resolved": N_("Resolved"), "unresolved": N_("Unresolved")}
ACTIONS = {"notify": N_("Notify the control room"), "work_order": N_("Work order"), "coordination_case": N_("Coordination case")}
MOVES = {"acknowledge": N_("Acknowledge"), "resolve": N_("Resolve")}
PASS_STATES = {
    "valid": N_("Valid"),
    "not_yet_valid": N_("Not yet valid"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked"),
    "used_up": N_("Used up"),
}
VALID_HOURS = (2, 4, 8, 24, 48, 72, 168)
# titles and details of the problems the services raise, so a form's error slot shows them translated
PROBLEM_TEXTS = (
    N_("Not a resident of this compound"),
    N_("residents of the compound issue visitor passes"),
    N_("a pass cannot start in the past"),
    N_("the pass is already revoked"),
    N_("a retired device gets no new secret"),
    N_("another device of this compound has this code"),
)

LABELS = {
    "kinds": KINDS,
    "statuses": STATUSES,
    "severities": SEVERITIES,
    "alarm_states": ALARM_STATES,
    "alarm_actions": ACTIONS,  # not "actions": the compound head shows a page's action buttons under that name
    "moves": MOVES,
    "pass_states": PASS_STATES,
}

PAGES: list[dict] = [
    {
        "path": "/console/compounds/{compound_id}/smart_property/dashboard",
        "label_zh": "数据大屏",
        "label_en": "Control room board",
        "permission": "smart_property.dashboard:read",
        "portal": False,
        "order": 60,
    },
    {
        "path": "/console/compounds/{compound_id}/smart_property/alarms",
        "label_zh": "告警处置",
        "label_en": "Alarms desk",
        "permission": "smart_property.alarm:read",
        "portal": False,
        "order": 61,
    },
    {
        "path": "/console/compounds/{compound_id}/smart_property/devices",
        "label_zh": "设备台账",
        "label_en": "Devices",
        "permission": "smart_property.device:read",
        "portal": False,
        "order": 62,
    },
    {
        "path": D + "/dashboard",
        "label_zh": "辖区数据大屏",
        "label_en": "District board",
        "permission": "smart_property.dashboard:read",
        "portal": False,
        "group": "overview",
        "order": 110,
    },
    {
        "path": "/portal/compounds/{compound_id}/smart_property/passes",
        "label_zh": "访客通行码",
        "label_en": "Visitor passes",
        "permission": "smart_property.pass:write",
        "portal": True,
    },
]
