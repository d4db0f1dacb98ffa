"""Exports draw everything: each chart a screen shows is in the PNG and the PDF of it."""

from __future__ import annotations

import re
import subprocess
from typing import Any

from tests.e2e.conftest import ARTIFACTS, WallServer
from tests.e2e.test_forecasts import _records
from tests.wall.test_forecast import published

TICKS_JS = """() => [...document.querySelectorAll('.trend-graph')].map(g =>
  [...g.querySelectorAll('.trend-xticks text')].map(t => t.textContent))"""


def _years(text: str) -> list[str]:
    """The year labels of time axes in a text (not the year of a date like 6/2024)."""
    return re.findall(r"(?<![/\d])(?:19|20)\d\d(?![\d/])", text)


def _pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext (poppler-utils, installed by scripts/test.sh) reads it."""
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")


def test_a_panel_pdf_has_every_chart_the_panel_draws(page: Any, wall_server: WallServer) -> None:
    for code in ("EXPORTS_M", "IMPORTS_M"):
        pts = published(code)[-60:]
        assert wall_server.post(_records(code, "million USD", pts))["accepted"] == len(pts)
    page.goto(f"{wall_server.url}/screen/customs")
    page.wait_for_selector("[data-panel='customs'][data-charts-drawn='1']", timeout=60_000)
    charts = [t for t in page.evaluate(TICKS_JS) if t]  # the charts with data, as drawn live
    assert charts, "the customs panel drew no chart with data"
    live = sum(len(_years(" ".join(ticks))) for ticks in charts)
    pdf = wall_server.api_get("/api/v1/export?target=panel:customs&format=pdf", timeout=180)
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    (ARTIFACTS / "customs.pdf").write_bytes(pdf.content)
    text = _pdf_text(pdf.content)
    # every chart's time axis is in the PDF: as many year labels, give or take one a chart (a
    # forecast arriving in between may move a tick); an empty box has none
    printed = len(_years(text))
    assert printed >= max(2 * len(charts), live - len(charts)), (printed, live, charts)
    png = wall_server.api_get("/api/v1/export?target=panel:customs", timeout=180)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
