"""/wall: every screen of the grid on one canvas, for a video-wall controller with one input."""

from __future__ import annotations

from html import escape

from wall.config import WallSettings
from wall.screens import ScreenRegistry

__all__ = ["wall_canvas"]


def wall_canvas(settings: WallSettings, registry: ScreenRegistry) -> str:
    """Return a page that lays each physical screen's own URL out at its grid position."""
    views = registry.all()
    width = max((v.spec.col + 1) * v.spec.width for v in views) if views else 3840
    height = max((v.spec.row + 1) * v.spec.height for v in views) if views else 2160
    frames = "".join(
        f'<iframe src="/s/{escape(v.spec.id)}" title="{escape(v.spec.id)}" '
        f'style="left:{v.spec.col * v.spec.width}px;top:{v.spec.row * v.spec.height}px;'
        f'width:{v.spec.width}px;height:{v.spec.height}px"></iframe>' for v in views)
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>{escape(settings.wall.title_vi)}</title>
<style>html,body{{margin:0;background:#07111c;overflow:hidden}}
#canvas{{position:absolute;width:{width}px;height:{height}px;transform-origin:0 0}}
#canvas iframe{{position:absolute;border:0}}</style></head>
<body><div id="canvas" data-width="{width}" data-height="{height}">{frames}</div>
<script>(function(){{var c=document.getElementById('canvas');function fit(){{
var s=Math.min(innerWidth/{width},innerHeight/{height});c.style.transform='scale('+s+')';}}
addEventListener('resize',fit);fit();}})();</script></body></html>"""
