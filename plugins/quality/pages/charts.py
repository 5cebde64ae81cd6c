"""Charts of quality's pages drawn on the server as inline SVG (no script, no CDN), sized by a viewBox so they
shrink to a 390 px phone; every bar and point carries a <title> with its figure for screen readers and hover."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#c8161d", "#e07b39", "#2f6f9f", "#4c9a52", "#8a5fa8")
EMPTY = "#d9d9d9"


def _frame(width: int, height: int, title: str, chart_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'class="chart" id="{escape(chart_id)}" preserveAspectRatio="xMinYMin meet">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]


def bars(chart_id: str, title: str, rows: Sequence[tuple[str, int | float]], *, empty: str, colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per (label, value), longest first as given."""
    bar, gap, label_w, chart_w = 20, 10, 120, 220
    height = 34 + max(len(rows), 1) * (bar + gap) + 6
    parts = _frame(label_w + chart_w + 50, height, title, chart_id)
    if not rows:
        parts.append(f'<text x="0" y="44" font-size="12" fill="#666">{escape(empty)}</text>')
    widest = max([float(v) for _, v in rows] + [1.0])
    for i, (label, value) in enumerate(rows):
        y = 30 + i * (bar + gap)
        width = float(value) * chart_w / widest
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label[:10])}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{width:.1f}" height="{bar}" fill="{colour}"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(f'<text x="{label_w + width + 6:.1f}" y="{y + 14}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(chart_id: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int | float]]], *, empty: str) -> Markup:
    """Grouped vertical columns: per label (a month, say) one column for each named series, with a legend."""
    if not labels:
        parts = _frame(560, 50, title, chart_id)
        parts.append(f'<text x="0" y="42" font-size="12" fill="#666">{escape(empty)}</text></svg>')
        return Markup("".join(parts))
    plot_h, group_w, top, left = 150, max(18 * len(series) + 12, 40), 30, 30
    width = max(left + group_w * len(labels) + 10, 560)
    height = top + plot_h + 40 + 18 * ((len(series) + 2) // 3)
    parts = _frame(width, height, title, chart_id)
    highest = max([float(v) for _, values in series for v in values] + [1.0])
    base = top + plot_h
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" stroke="#999"/>')
    parts.append(f'<text x="0" y="{top + 10}" font-size="11" fill="#666">{highest:g}</text>')
    col = (group_w - 12) / max(len(series), 1)
    for g, label in enumerate(labels):
        x0 = left + g * group_w + 6
        for s, (name, values) in enumerate(series):
            value = float(values[g])
            h = value * plot_h / highest
            parts.append(
                f'<rect x="{x0 + s * col:.1f}" y="{base - h:.1f}" width="{col - 2:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(label)} {escape(name)}: {values[g]}</title></rect>"
            )
        parts.append(f'<text x="{x0}" y="{base + 14}" font-size="10">{escape(label[-5:])}</text>')
    for s, (name, _) in enumerate(series):
        lx, ly = (s % 3) * 110, base + 32 + 18 * (s // 3)
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{lx + 16}" y="{ly}" font-size="12">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel(chart_id: str, title: str, steps: Sequence[tuple[str, int]]) -> Markup:
    """The loop's steps as stacked bars narrowing from the first (demand → served → evaluated), each with its share."""
    bar, gap, chart_w = 30, 10, 340
    height = 34 + len(steps) * (bar + gap)
    parts = _frame(chart_w + 10, height, title, chart_id)
    first = max(steps[0][1], 1) if steps else 1
    for i, (label, value) in enumerate(steps):
        y = 28 + i * (bar + gap)
        width = max(value * chart_w / first, 2)
        x = (chart_w - width) / 2
        share = f"{value * 100 // first}%" if steps and steps[0][1] else "—"
        colour = PALETTE[i % len(PALETTE)] if value else EMPTY
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{bar}" fill="{colour}" rx="3"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(
            f'<text x="{chart_w / 2:.0f}" y="{y + 20}" font-size="12" text-anchor="middle" fill="#111">{escape(label)} {value} · {share}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
