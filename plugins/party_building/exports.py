"""The coverage report (两个覆盖) as an Excel workbook or a CSV file, and as an inline SVG bar chart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from urllib.parse import quote
from xml.sax.saxutils import escape

from litestar import Response

from core.xlsx import csv_bytes, workbook, xlsx_response
from plugins.party_building import schemas as s

Format = Literal["xlsx", "csv"]

LEVEL_ZH = {"community": "社区", "street": "街道", "district": "区"}
GAP_ZH = {"compound": "无小区（联合）党支部的小区", "enterprise": "无党支部的物业企业", "building": "无楼栋党小组的楼栋"}
HEADERS = ("层级", "名称", "小区数", "已建支部小区", "物业企业数", "已建支部企业", "楼栋数", "已建党小组楼栋", "两个覆盖率(%)")


def _figures(row: s.CoverageRow) -> list:
    return [
        LEVEL_ZH[row.level],
        row.name,
        row.compounds,
        row.compounds_covered,
        row.enterprises,
        row.enterprises_covered,
        row.buildings,
        row.buildings_covered,
        "" if row.coverage is None else str(row.coverage),
    ]


def _gaps(report: s.CoverageReport) -> list[list[str]]:
    """Each gap once, under its community (the street and district rows repeat them)."""
    return [[row.name, GAP_ZH[g.kind], g.name, g.compound_name or ""] for row in report.rows if row.level == "community" for g in row.gaps]


def coverage_csv(report: s.CoverageReport) -> bytes:
    """The figures, a blank line, the gaps (``core.xlsx.csv_bytes``: UTF-8 with a BOM, cells neutralised)."""
    return csv_bytes([HEADERS, *(_figures(row) for row in report.rows), [], ("社区", "缺口", "名称", "所在小区"), *_gaps(report)])


def coverage_xlsx(report: s.CoverageReport) -> bytes:
    """Two sheets (``core.xlsx.workbook``): the figures per community, street and district, and the gaps."""
    figures = []
    for row in report.rows:
        values = _figures(row)
        values[-1] = Decimal(values[-1]) if values[-1] else None
        figures.append(values)
    return workbook([("两个覆盖", HEADERS, figures), ("缺口清单", ("社区", "缺口", "名称", "所在小区"), _gaps(report))])


def coverage_response(report: s.CoverageReport, format: Format, generated: dt.datetime) -> Response[bytes]:
    name = f"两个覆盖-{generated:%Y%m%d}.{format}"
    if format == "xlsx":
        return xlsx_response(coverage_xlsx(report), name)
    return Response(
        content=coverage_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=\"coverage.{format}\"; filename*=UTF-8''{quote(name, safe='')}"},
    )


def coverage_chart(report: s.CoverageReport, *, title: str, covered: str, uncovered: str) -> str:
    """Horizontal stacked bars per community: compounds with and without a branch (inline SVG, no script, no CDN)."""
    rows = [r for r in report.rows if r.level == "community"]
    bar, gap, label_w, chart_w = 22, 12, 150, 360
    height = 40 + len(rows) * (bar + gap) + 30
    widest = max([r.compounds for r in rows] + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {label_w + chart_w + 60} {height}" role="img" aria-label="{escape(title)}" class="chart">'
    ]
    parts.append(f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>')
    for i, r in enumerate(rows):
        y = 34 + i * (bar + gap)
        done = r.compounds_covered * chart_w / widest
        missing = (r.compounds - r.compounds_covered) * chart_w / widest
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(r.name)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{done:.1f}" height="{bar}" fill="#c8161d"><title>{escape(covered)}: {r.compounds_covered}</title></rect>'
        )
        parts.append(
            f'<rect x="{label_w + done:.1f}" y="{y}" width="{missing:.1f}" height="{bar}" fill="#d9d9d9"><title>{escape(uncovered)}: {r.compounds - r.compounds_covered}</title></rect>'
        )
        parts.append(f'<text x="{label_w + done + missing + 6:.1f}" y="{y + 15}" font-size="12">{r.compounds_covered}/{r.compounds}</text>')
    legend_y = height - 14
    parts.append(
        f'<rect x="0" y="{legend_y - 10}" width="12" height="12" fill="#c8161d"/><text x="16" y="{legend_y}" font-size="12">{escape(covered)}</text>'
    )
    parts.append(
        f'<rect x="140" y="{legend_y - 10}" width="12" height="12" fill="#d9d9d9"/><text x="156" y="{legend_y}" font-size="12">{escape(uncovered)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
