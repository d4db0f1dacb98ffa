"""The wall ships plotly.js's basic partial bundle (scatter, bar, pie): every figure stays
within it, and it is the plotly.js version the installed plotly was made for."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import plotly.graph_objects as go
from dash import dcc
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from layouts.registry import PanelContext, panels
from tests.conftest import REPO
from tests.helpers import walk
from wall.app import page_needs_plotly
from wall.config import WallSettings

BUNDLE = REPO / "assets" / "vendor" / "plotly-basic.min.js"
IN_BUNDLE = {"scatter", "bar", "pie"}  # plotly.js-basic-dist-min


def test_the_bundle_is_the_plotly_js_the_installed_plotly_expects() -> None:
    head = BUNDLE.read_text(encoding="utf-8")[:200]
    version = re.search(r"plotly\.js \(basic - minified\) v([\d.]+)", head)
    assert version and version[1] == get_plotlyjs_version(), (
        "plotly was upgraded: vendor the matching plotly.js-basic-dist-min")


def test_every_panel_figure_uses_only_trace_types_in_the_bundle(settings: WallSettings) -> None:
    for panel in panels().values():
        graphs = [n for n in walk(panel.build(PanelContext(settings)))
                  if isinstance(n, dcc.Graph)]
        # a panel that draws with Plotly says so: its page then loads the bundle (wall.app);
        # the others' pages do not (analysis draws its decomposition once it has data)
        assert panel.plotly or not graphs, panel.id
        assert page_needs_plotly(f"/screen/{panel.id}") == panel.plotly
        for graph in graphs:
            figure = graph.figure
            data = figure.get("data", []) if isinstance(figure, dict) else figure.data
            types = {(t.get("type") if isinstance(t, dict) else t.type) or "scatter"
                     for t in data}
            assert types <= IN_BUNDLE, f"{panel.id}: {types - IN_BUNDLE} not in the bundle"
    assert [p.id for p in panels().values() if p.plotly] == ["analysis"]
    assert page_needs_plotly("/s/s1") and page_needs_plotly("/meeting")


def test_no_code_builds_a_trace_type_outside_the_bundle() -> None:
    traces = {name for name in dir(go) if isinstance(getattr(go, name), type)
              and issubclass(getattr(go, name), BaseTraceType)}
    allowed = {"Scatter", "Bar", "Pie"}
    used: set[str] = set()
    for folder in ("layouts", "wall"):
        for path in Path(REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in traces and isinstance(
                        node.value, ast.Name) and node.value.id == "go":
                    used.add(node.attr)
                if isinstance(node, ast.ImportFrom) and node.module == "plotly.express":
                    used.add("plotly.express")
    assert used and used <= allowed, used - allowed
