"""Charts drawn on the server as SVG (no script, no CDN): horizontal bars for a ranking,
columns for a series. Labels are escaped; each chart has a title and a text alternative."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_H, GAP, LABEL_W, WIDTH = 22, 6, 150, 560


def _alt(rows) -> str:
    return "；".join(f"{r['label']} {r['n']}" for r in rows)


def bars(rows: list[dict], *, title: str) -> SafeString:
    top = max((r["n"] for r in rows), default=0) or 1
    height = max(len(rows), 1) * (BAR_H + GAP) + GAP
    span = WIDTH - LABEL_W - 50
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}：{escape(_alt(rows))}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i, r in enumerate(rows):
        y = GAP + i * (BAR_H + GAP)
        w = round(span * r["n"] / top)
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 6}" text-anchor="end">'
            f"{escape(str(r['label'])[:12])}</text>"
            f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" class="bar"/>'
            f'<text x="{LABEL_W + w + 4}" y="{y + BAR_H - 6}">{r["n"]}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every label escaped above)


def columns(rows: list[dict], *, title: str) -> SafeString:
    top = max((r["n"] for r in rows), default=0) or 1
    height, base = 220, 190
    step = WIDTH // max(len(rows), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}：{escape(_alt(rows))}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for i, r in enumerate(rows):
        h = round(160 * r["n"] / top)
        x = i * step + step // 4
        parts.append(
            f'<rect x="{x}" y="{base - h}" width="{step // 2}" height="{h}" class="bar"/>'
            f'<text x="{x + step // 4}" y="{base - h - 4}" text-anchor="middle">{r["n"]}</text>'
            f'<text x="{x + step // 4}" y="{height - 8}" text-anchor="middle">'
            f"{escape(str(r['label']))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every label escaped above)
