"""The registry of physical screens: which panel each shows; the console writes, screens follow.

The registry lives in Redis (not in a browser), so a screen that reloads or reconnects comes
back to what the console last set, and every server process sees the same wall.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from wall.config import ScreenSpec, WallConfig
from wall.store import Store

__all__ = ["ScreenError", "ScreenRegistry", "ScreenView"]

LANGS = ("vi", "en")
FOCUS = "focus"  # the panel a focus puts on screens (layouts/screens/focus.py)


class ScreenError(ValueError):
    """A console command that cannot be carried out (unknown screen or panel)."""


@dataclass(frozen=True)
class ScreenView:
    """What one physical screen shows now."""

    spec: ScreenSpec
    panel: str
    params: dict[str, str]
    lang: str
    playlist: str
    last_seen: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the API and the console."""
        s = self.spec
        return {"id": s.id, "row": s.row, "col": s.col, "width": s.width, "height": s.height,
                "scale": s.scale, "panel": self.panel, "params": self.params,
                "lang": self.lang, "playlist": self.playlist, "last_seen": self.last_seen}


class ScreenRegistry:
    """Read and change what each configured screen shows."""

    def __init__(self, store: Store, wall: WallConfig, panel_ids: set[str],
                 panel_tags: dict[str, tuple[str, ...]] | None = None) -> None:
        self.store = store
        self.wall = wall
        self.panel_ids = panel_ids
        self.panel_tags = panel_tags or {}
        self.specs = {s.id: s for s in wall.screens}

    def view(self, screen_id: str) -> ScreenView:
        """Return what a screen shows (its configured panel until the console changes it)."""
        spec = self.specs.get(screen_id)
        if spec is None:
            raise ScreenError(f"no screen {screen_id!r} in config/wall.yaml")
        h = self.store.screen_state(screen_id)
        return ScreenView(spec, h.get("panel") or spec.panel, json.loads(h.get("params", "{}")),
                          h.get("lang") or "vi", h.get("playlist", ""), h.get("last_seen", ""))

    def all(self) -> list[ScreenView]:
        """Return every screen, in grid order."""
        return [self.view(s.id) for s in sorted(self.wall.screens, key=lambda s: (s.row, s.col))]

    def assign(self, screen_ids: list[str], panel: str, params: dict[str, str] | None = None,
               lang: str | None = None, playlist: str = "", who: str = "console",
               where: str = "") -> int:
        """Switch screens to a panel (with parameters and language); all follow at once."""
        if panel not in self.panel_ids:
            raise ScreenError(f"no panel {panel!r}")
        if params is not None and not (isinstance(params, dict) and all(
                isinstance(k, str) and isinstance(v, str) and len(k) <= 40 and len(v) <= 200
                for k, v in params.items())):
            raise ScreenError("params must map names to short strings")
        if lang is not None and lang not in LANGS:
            raise ScreenError(f"language {lang!r} is not one of {LANGS}")
        unknown = [i for i in screen_ids if i not in self.specs]
        if unknown or not screen_ids:
            raise ScreenError(f"unknown screens {unknown}" if unknown else "no screen given")
        version = str(time.time_ns())
        fields = {"panel": panel, "params": json.dumps(params or {}, ensure_ascii=False),
                  "playlist": playlist, "version": version}
        if lang:
            fields["lang"] = lang
        for sid in screen_ids:
            self.store.set_screen(sid, {"screens": [sid], "action": "show", "panel": panel,
                                        "version": version}, **fields)
        self.store.audit(who, "screen.switch", {"screens": screen_ids, "panel": panel,
                                                "params": params or {}, "lang": lang}, where)
        return len(screen_ids)

    def playlist_panels(self, playlist_id: str) -> tuple[list[str], float]:
        """Return a playlist's panels (listed, or by tag) and its interval in seconds."""
        from wall.config import parse_duration

        pl = next((p for p in self.wall.playlists if p.id == playlist_id), None)
        if pl is None:
            raise ScreenError(f"no playlist {playlist_id!r}")
        found = [p for p in pl.panels if p in self.panel_ids]
        if pl.tag:
            found += sorted(pid for pid, tags in self.panel_tags.items() if pl.tag in tags)
        if not found:
            raise ScreenError(f"playlist {playlist_id!r} names no known panel")
        return found, parse_duration(pl.interval).total_seconds()

    def start_playlist(self, screen_ids: list[str], playlist_id: str,
                       who: str = "console", where: str = "") -> None:
        """Put screens on a playlist, starting with its first panel."""
        found, _ = self.playlist_panels(playlist_id)
        self.assign(screen_ids, found[0], playlist=playlist_id, who=who, where=where)

    def rotate(self, now: float) -> int:
        """Advance every screen whose playlist interval has run out; return how many moved."""
        moved = 0
        for view in self.all():
            if not view.playlist:
                continue
            try:
                found, interval = self.playlist_panels(view.playlist)
            except ScreenError:
                continue
            since = int(self.store.screen_state(view.spec.id).get("version", "0")) / 1e9
            if now - since < interval:
                continue
            nxt = found[(found.index(view.panel) + 1) % len(found)] if view.panel in found \
                else found[0]
            self.assign([view.spec.id], nxt, view.params, playlist=view.playlist,
                        who="playlist")
            moved += 1
        return moved

    def focus(self, indicator: str, area: str = "", screen_ids: list[str] | None = None,
              who: str = "console", where: str = "", compare: str = "") -> list[str]:
        """Show one indicator (and a province, beside another to `compare`) on screens (default
        all), keeping what each showed before (panel, parameters, language, playlist) for
        `clear_focus`."""
        ids = screen_ids or [s.id for s in self.wall.screens]
        for sid in ids:
            view = self.view(sid)
            if view.panel != FOCUS:  # a second focus keeps the first one's "before"
                self.store.screen_note(sid, before=json.dumps({
                    "panel": view.panel, "params": view.params, "lang": view.lang,
                    "playlist": view.playlist}, ensure_ascii=False))
        params = {"indicator": indicator, **({"area": area} if area else {}),
                  **({"compare": compare} if compare else {})}
        self.assign(ids, FOCUS, params, who=who, where=where)
        self.store.put_result("meeting", "last_focus", params)  # for a pack asked for later
        self.store.audit(who, "focus.set", {"screens": ids, **params}, where)
        return ids

    def focused(self) -> list[tuple[str, str]]:
        """(indicator, area) of each distinct focus on the wall, else of the last one."""
        now = [(v.params.get("indicator", ""), v.params.get("area", "")) for v in self.all()
               if v.panel == FOCUS and v.params.get("indicator")]
        last = self.store.result("meeting", "last_focus")
        return list(dict.fromkeys(now)) or ([(last["indicator"], last.get("area", ""))]
                                            if last else [])

    def clear_focus(self, screen_ids: list[str] | None = None, who: str = "console",
                    where: str = "") -> list[str]:
        """Give every focused screen (of `screen_ids`, default all) back what it showed before;
        a playlist that was running resumes."""
        cleared = []
        for view in self.all():
            if view.panel != FOCUS or (screen_ids and view.spec.id not in screen_ids):
                continue
            sid = view.spec.id
            before = json.loads(self.store.screen_state(sid).get("before") or "{}")
            panel = before.get("panel") if before.get("panel") in self.panel_ids else \
                view.spec.panel
            self.assign([sid], panel, before.get("params") or {}, before.get("lang"),
                        playlist=before.get("playlist", ""), who=who, where=where)
            self.store.screen_note(sid, before="")
            cleared.append(sid)
        self.store.audit(who, "focus.clear", {"screens": cleared}, where)
        return cleared

    def reload(self, screen_ids: list[str], who: str = "console", where: str = "") -> None:
        """Make screens reload their page."""
        for sid in screen_ids:
            self.view(sid)
            self.store.set_screen(sid, {"screens": [sid], "action": "reload"})
        self.store.audit(who, "screen.reload", {"screens": screen_ids}, where)
