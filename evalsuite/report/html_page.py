"""The pieces every HTML page of the suite is made of: one self-contained file (figures inlined as PNG),
readable offline, with the same style and table formatting everywhere."""

from __future__ import annotations

import base64
import html

import pandas as pd

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:.7em 1em;border-radius:4px;margin:1em 0}
.note{background:#eef5ff;border-left:4px solid #4a7fd4;padding:.5em 1em;margin:.8em 0}
table.t{border-collapse:collapse;font-size:.88em;margin:.5em 0}
table.t th,table.t td{padding:.25em .6em;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
table.t th:first-child,table.t td:first-child{text-align:left}
table.t caption{caption-side:top;text-align:left;color:#555;font-size:.95em;padding:.3em 0}
.wide{overflow-x:auto}img{max-width:100%;margin:.5em 0}.muted{color:#666;font-size:.9em}
ul.plain li{margin:.25em 0}code{background:#f4f4f4;padding:0 .2em;border-radius:3px}
table.left2 td:nth-child(-n+2),table.left2 th:nth-child(-n+2),table.left3 td:nth-child(-n+3),table.left3 th:nth-child(-n+3){text-align:left}
table.text td,table.text th{text-align:left;white-space:normal}
table.wrap th,table.wrap td{white-space:normal;max-width:16em}table.wrap td:first-child{max-width:none;white-space:nowrap}
table.notes td:last-child,table.notes th:last-child{text-align:left;white-space:normal;min-width:16em}
"""


def img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def number(value: float) -> str:
    return f"{value:.2e}" if value != 0 and abs(value) < 1e-3 else f"{value:.3f}"


def table(frame: pd.DataFrame, caption: str = "", align: str = "") -> str:
    """A table: the first column left-aligned, the others right (numbers); `align` "left2" or "left3"
    left-aligns the first 2 or 3 columns, "text" every column, with wrapping; "wrap" lets cells after the
    first wrap (narrow columns for many systems); "notes" makes the last column wrapping text; several may be
    given, space-separated."""
    caption = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    classes = ["t", align] if align else "t"
    rendered = frame.to_html(index=False, float_format=number, na_rep="–", border=0, classes=classes)
    return f'<div class="wide">{rendered.replace(">", ">" + caption, 1) if caption else rendered}</div>'


def banner(text: str) -> str:
    return f'<div class="banner">⚠ {html.escape(text)}</div>'


def page(title: str, parts: list[str]) -> str:
    body = "\n".join(parts)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )
