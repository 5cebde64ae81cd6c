"""Irreversible actions ask first: a dialog in the browser (``data-confirm`` on the button, the static script), and
the server asks again when the form arrives without the dialog's mark (no script, or a form built by hand).

A handler calls ``confirmation`` before acting::

    step = await confirmation(request, N_("The vote closes now and its result is counted."))
    if step is not None:
        return step

It answers None once the person has confirmed; otherwise the page (or, for htmx, the box in the form) that says
what will happen and sends the same form again, confirmed.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response

from core.web.forms import CONFIRM_FIELD
from core.web.render import fragment, is_htmx, page


async def confirmed(request: Request) -> bool:
    return (await request.form()).get(CONFIRM_FIELD) == "yes"


async def confirmation(
    request: Request, what: str, *, portal: bool | None = None, compound_id: uuid.UUID | None = None, **params: Any
) -> Response[Any] | None:
    """None when the form carries the confirmation; else the step asking for it (``what``: an English message id,
    translated with ``params`` where it is shown)."""
    form = await request.form()
    if form.get(CONFIRM_FIELD) == "yes":
        return None
    fields = [(key, value) for key, value in form.multi_items() if isinstance(value, str) and key != CONFIRM_FIELD]
    if is_htmx(request):
        return fragment(request, "_confirm_box.html", status=200, what=what, params=params)
    in_portal = request.url.path.startswith("/portal") if portal is None else portal
    referer = request.headers.get("referer") or ("/portal/" if in_portal else "/console/")
    return await page(
        request,
        "confirm.html",
        portal=in_portal,
        compound_id=compound_id,
        action=request.url.path,
        fields=fields,
        what=what,
        params=params,
        back=referer,
        confirm_field=CONFIRM_FIELD,
    )
