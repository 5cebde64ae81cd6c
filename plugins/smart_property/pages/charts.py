"""Charts of the boards as inline SVG drawn on the server: no script, no chart library, no request leaving the site.

Labels are escaped here (they may be compound or device names); numbers are
formatted here. The SVG scales to its container (``viewBox`` with
``width="100%"``), so a chart fits a 390 px phone as well as a wall screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

RED = "#c8161d"
DARK = "#7f1d1d"
AMBER = "#d97706"
GREEN = "#15803d"
GREY = "#9ca3af"
LIGHT = "#e5e7eb"
INK = "#1f2937"


def _svg(width: int, height: int, title: str, body: list[str], css: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def donut(title: str, parts: Sequence[tuple[str, int, str]], *, centre: str, caption: str = "") -> Markup:
    """A ring of ``(label, value, colour)`` parts with ``centre`` written in the middle and a legend beside it."""
    total = sum(v for _, v, _ in parts)
    r, cx, cy, stroke = 52.0, 70.0, 70.0, 22.0
    circumference = 2 * math.pi * r
    body = [f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{LIGHT}" stroke-width="{stroke}"/>']
    offset = 0.0
    for label, value, colour in parts:
        if not value or not total:
            continue
        length = circumference * value / total
        body.append(
            f'<circle class="arc" cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{colour}" stroke-width="{stroke}" '
            f'stroke-dasharray="{length:.2f} {circumference - length:.2f}" stroke-dashoffset="{-offset:.2f}" '
            f'transform="rotate(-90 {cx} {cy})"><title>{escape(label)}: {value}</title></circle>'
        )
        offset += length
    body.append(f'<text x="{cx}" y="{cy + 2}" text-anchor="middle" font-size="22" font-weight="700" fill="{INK}">{escape(centre)}</text>')
    if caption:
        body.append(f'<text x="{cx}" y="{cy + 20}" text-anchor="middle" font-size="11" fill="{GREY}">{escape(caption)}</text>')
    for i, (label, value, colour) in enumerate(parts):
        y = 34 + i * 26
        body.append(f'<rect x="160" y="{y}" width="14" height="14" rx="3" fill="{colour}"/>')
        body.append(
            f'<text x="182" y="{y + 12}" font-size="13" fill="{INK}">{escape(label)} <tspan font-weight="700">{value}</tspan></text>'
        )
    return _svg(300, 140, title, body, "donut")


def bars(title: str, rows: Sequence[tuple[str, int | float, str]], *, unit: str = "", empty: str = "—") -> Markup:
    """Horizontal bars of ``(label, value, colour)``, the value written after each bar."""
    bar, gap, label_w, chart_w = 18, 10, 110, 150
    height = max(len(rows), 1) * (bar + gap) + 6
    peak = max([float(v or 0) for _, v, _ in rows] + [0.0]) or 1.0
    body: list[str] = []
    if not rows:
        body.append(f'<text x="0" y="18" font-size="13" fill="{GREY}">{escape(empty)}</text>')
    for i, (label, value, colour) in enumerate(rows):
        y = 4 + i * (bar + gap)
        width = chart_w * float(value or 0) / peak
        body.append(f'<text x="0" y="{y + 13}" font-size="12" fill="{INK}">{escape(_clip(label, 9))}</text>')
        body.append(f'<rect x="{label_w}" y="{y}" width="{chart_w}" height="{bar}" rx="3" fill="{LIGHT}"/>')
        body.append(
            f'<rect class="bar" x="{label_w}" y="{y}" width="{width:.1f}" height="{bar}" rx="3" fill="{colour}">'
            f"<title>{escape(label)}: {value}{escape(unit)}</title></rect>"
        )
        body.append(f'<text x="{label_w + chart_w + 6}" y="{y + 13}" font-size="12" font-weight="700" fill="{INK}">{value}</text>')
    return _svg(label_w + chart_w + 44, height, title, body, "bars")


def stacked(title: str, rows: Sequence[tuple[str, int, int]], *, done: str, rest: str) -> Markup:
    """Horizontal bars of ``(label, part, whole)``: the part in green, the rest in grey, ``part/whole`` after each."""
    bar, gap, label_w, chart_w = 18, 10, 110, 150
    height = max(len(rows), 1) * (bar + gap) + 30
    widest = max([w for _, _, w in rows] + [1])
    body: list[str] = []
    for i, (label, part, whole) in enumerate(rows):
        y = 4 + i * (bar + gap)
        a, b = chart_w * part / widest, chart_w * (whole - part) / widest
        body.append(f'<text x="0" y="{y + 13}" font-size="12" fill="{INK}">{escape(_clip(label, 9))}</text>')
        body.append(
            f'<rect class="bar" x="{label_w}" y="{y}" width="{a:.1f}" height="{bar}" fill="{GREEN}"><title>{escape(label)} · '
            f"{escape(done)}: {part}</title></rect>"
        )
        body.append(
            f'<rect x="{label_w + a:.1f}" y="{y}" width="{b:.1f}" height="{bar}" fill="{GREY}"><title>{escape(label)} · '
            f"{escape(rest)}: {whole - part}</title></rect>"
        )
        body.append(f'<text x="{label_w + chart_w + 6}" y="{y + 13}" font-size="12" fill="{INK}">{part}/{whole}</text>')
    legend = height - 8
    body.append(f'<rect x="0" y="{legend - 10}" width="12" height="12" fill="{GREEN}"/>')
    body.append(f'<text x="16" y="{legend}" font-size="12" fill="{INK}">{escape(done)}</text>')
    body.append(f'<rect x="110" y="{legend - 10}" width="12" height="12" fill="{GREY}"/>')
    body.append(f'<text x="126" y="{legend}" font-size="12" fill="{INK}">{escape(rest)}</text>')
    return _svg(label_w + chart_w + 50, height, title, body, "stacked")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
