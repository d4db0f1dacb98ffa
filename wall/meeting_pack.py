"""The meeting pack: one PDF of the focused views and the National Assembly targets, for the
minutes. Each view's numbers are also printed as text tables beside its picture (so they can be
quoted), with the date and time, sources and the map attribution, in Vietnamese.

`pack_html` is the page Chromium prints (`/meeting-pack`, reached only with an export token):
the views themselves are the wall's own panels in frames, so the pictures are what the screens
show; the tables come from the store at the same moment.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from wall.analysis.service import Forecaster
from wall.analysis.targets import progress_all
from wall.config import Indicator, WallSettings
from wall.geo import ATTRIBUTION_VI, provinces_34
from wall.locale import TZ, format_number, format_time
from wall.store import Store

__all__ = ["Focus", "pack_html", "period_label"]

Focus = tuple[str, str]  # (indicator, area or "")
ROWS = 12
STATUS_VI = {"on_track": "Đúng hướng", "at_risk": "Có rủi ro", "off_track": "Chệch hướng",
             "achieved": "Đã đạt", "missed": "Không đạt", "no_data": "Chưa có số liệu"}
CSS = """@page{size:A4 landscape;margin:12mm}
body{font-family:"Be Vietnam Pro",sans-serif;color:#111;font-size:11pt;margin:0}
h1{font-size:18pt;margin:0 0 4pt}h2{font-size:14pt;margin:10pt 0 4pt}
.meta{color:#444;font-size:9.5pt}.view{page-break-before:always}
.row{display:flex;gap:10pt;align-items:flex-start}.side{flex:1;min-width:0}
.frame{flex:none;width:672px;height:378px;overflow:hidden;border:1px solid #999;margin:6pt 0}
.frame iframe{width:1920px;height:1080px;border:0;transform:scale(.35);transform-origin:0 0}
table{border-collapse:collapse;margin:4pt 0 6pt;font-size:8.5pt;width:100%}
th,td{border:1px solid #bbb;padding:2pt 5pt;text-align:right}
th:first-child,td:first-child{text-align:left}
.frame.wide{width:960px;height:540px}.frame.wide iframe{transform:scale(.5)}
.sim{color:#8a5a00;font-weight:700}
.value{font-size:16pt;font-weight:700}"""


def _fonts() -> str:
    """The wall's own @font-face rules (Be Vietnam Pro, every subset), for the printed page."""
    css = (Path(__file__).resolve().parents[1] / "assets" / "wall.css").read_text("utf-8")
    faces = re.findall(r"@font-face\s*\{[^}]*\}", css)
    return "".join(faces).replace('url("fonts/', 'url("/assets/fonts/')


def period_label(period: str) -> str:
    """A period as the tiles write it: `Tháng 6/2024`, `Quý II/2024`, `Năm 2024`, a date."""
    if len(period) == 7 and period[4] == "-":
        return f"Tháng {int(period[5:])}/{period[:4]}"
    if "-Q" in period:
        return f"Quý {['I', 'II', 'III', 'IV'][int(period[-1]) - 1]}/{period[:4]}"
    if "-S" in period:
        return f"6 tháng {'đầu' if period[-1] == '1' else 'cuối'} {period[:4]}"
    if len(period) == 4:
        return f"Năm {period}"
    try:
        return format_time(datetime.fromisoformat(period))
    except ValueError:
        return period


def _place(area: str) -> str:
    """A province's name (34 units), else its code."""
    return next((p["name_vi"] for p in provinces_34() if p["code"] == area), f"Tỉnh {area}")


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return ("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>" + cells
            + "</table>")


def _frame(path: str, params: dict[str, str]) -> str:
    return (f'<div class="frame"><iframe src="{escape(path)}?{escape(urlencode(params))}">'
            "</iframe></div>")


def _view(settings: WallSettings, store: Store, ind: Indicator, area: str) -> str:
    from layouts.screens.focus import ranking

    simulated = settings.simulated_sources()
    history = [o for o in store.series(ind.code, "VN", {}, ROWS + 1) if o.value is not None]
    unit = ind.display.unit_vi
    out = [f'<section class="view"><h2>{escape(ind.name_vi)}</h2>',
           f'<div class="meta">{escape(ind.name_en)} · mã {escape(ind.code)} · nguồn '
           f'{escape(ind.owner)}</div>']
    for where, rows in (("Cả nước", history[-1:]),
                        *([(_place(area), [o for o in store.latest(
                            ind.code, area) if not o.dims])] if area else [])):
        if not rows:
            out.append(f"<p>{escape(where)}: chưa có số liệu.</p>")
            continue
        last = rows[-1]
        sim = " <span class=sim>MÔ PHỎNG</span>" if last.source in simulated else ""
        out.append(
            f'<p>{escape(where)} — giá trị mới nhất: <span class="value">'
            f'{ind.display.format(last.value or 0)}</span> {escape(unit)} — '
            f'{escape(period_label(last.period))} · công bố '
            f'{escape(format_time(datetime.fromisoformat(last.observed_at)))} · nguồn dữ liệu: '
            f'{escape(last.source)}{sim}</p>')
    out.append('<div class="row">' + _frame("/screen/focus", {
        "indicator": ind.code, **({"area": area} if area else {})}) + '<div class="side">')
    rows = []
    for prev, cur in zip([None, *history], history, strict=False):
        change = "" if prev is None or not prev.value else format_number(
            100 * ((cur.value or 0) / prev.value - 1), 1) + " %"
        rows.append([period_label(cur.period), ind.display.format(cur.value or 0), change])
    out.append(_table(["Kỳ", f"Giá trị ({unit})", "So kỳ trước"], rows[-ROWS:][::-1]))
    heading, ranked = ranking(ind, store.latest(ind.code), limit=200)  # all, for the minutes
    if ranked:
        out.append(_table(["#", heading, f"Giá trị ({unit})", "Kỳ"],
                          [[str(n), name, v, p] for n, (name, v, p) in enumerate(ranked, 1)]))
    alerts = [a for a in store.alerts() if a.get("indicator") == ind.code]
    if alerts:
        out.append(_table(["Cảnh báo đang mở", "Mức"], [[a.get("message_vi", ""),
                                                        a.get("severity", "")] for a in alerts]))
    return "".join(out) + "</div></div></section>"


def _targets(settings: WallSettings, store: Store, year: int) -> str:
    f = Forecaster(store, settings.catalogue, compute=False)
    rows = []
    for p in progress_all(f, settings.targets, settings.catalogue, year, datetime.now(TZ).date()):
        if not p.in_force:
            continue
        api: dict[str, Any] = p.to_api()
        proj = api.get("projection") or {}
        rows.append([api["name_vi"] + (" (VÍ DỤ)" if api["example"] else ""),
                     _band(api), STATUS_VI.get(p.status, p.status),
                     format_number(proj["mean"], 2) if proj else "—",
                     f"{format_number(proj['lo80'], 2)}–{format_number(proj['hi80'], 2)}"
                     if proj else "—",
                     f"{format_number(100 * p.probability, 0)} %" if p.probability is not None
                     else "—"])
    return (f'<section class="view"><h2>Mục tiêu Quốc hội giao năm {year}</h2>'
            + _frame("/screen/targets", {"year": str(year)}).replace('class="frame"',
                                                                     'class="frame wide"')
            + _table(["Chỉ tiêu", "Mục tiêu", "Đánh giá", "Dự báo cả năm", "Khoảng 80 %",
                      "Khả năng đạt"], rows) + "</section>")


def _band(row: dict[str, Any]) -> str:
    from layouts.tiles.target_progress import target_text

    return target_text(row)


def pack_html(settings: WallSettings, store: Store, focus: list[Focus], year: int) -> str:
    """The pack's page: cover (date, time, what is in it), each focused view, the targets."""
    now = datetime.now(TZ)
    known = [(settings.catalogue.get(c), a) for c, a in focus]
    views = [(ind, a) for ind, a in known if ind is not None]
    listing = "".join(f"<li>{escape(ind.name_vi)}{' — ' + escape(_place(a)) if a else ''}</li>"
                      for ind, a in views) or "<li>Không có chỉ tiêu đang đặt tiêu điểm.</li>"
    body = "".join(_view(settings, store, ind, a) for ind, a in views)
    sources = sorted({ind.owner for ind, _ in views})
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Tài liệu cuộc họp — {escape(settings.wall.title_vi)}</title>
<style>{_fonts()}{CSS}</style></head>
<body><h1>Tài liệu cuộc họp</h1><div class="meta">{escape(settings.wall.title_vi)}</div>
<p>Lập lúc {escape(format_time(now))} (giờ Việt Nam).</p><p>Nội dung:</p><ul>{listing}
<li>Mục tiêu Quốc hội giao năm {year}</li></ul>{body}{_targets(settings, store, year)}
<section><h2>Nguồn và ghi chú</h2><p>Nguồn số liệu: {escape('; '.join(sources) or '—')}.
Số liệu đánh dấu MÔ PHỎNG là mô phỏng, không phải số liệu thật. Dự báo: statsmodels (ETS, SARIMA,
naive) chọn theo kiểm định lùi; khoảng 80 % và 95 %.</p><p>Bản đồ: {escape(ATTRIBUTION_VI)}</p>
</section></body></html>"""

