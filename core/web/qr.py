"""QR codes for pages (sign-in at a meeting, check-in at an activity): inline SVG drawn on the server.

No script and no remote image: the page's Content-Security-Policy allows
neither. The SVG is segno's own drawing of a URL the application built, so
no user text reaches the markup and it is safe to embed.
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, *, scale: int = 4) -> Markup:
    """``url`` as a QR code in SVG, ready for a template (``{{ qr }}``)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=scale, border=2, dark="#7f1d1d", title="QR"))
