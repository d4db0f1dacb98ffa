"""`opswall check`: the whole configuration cross-referenced, beyond what each file's schema
says — feed kinds and their settings, the panels screens and playlists name, playlist tags."""

from __future__ import annotations

from wall.config import WallSettings

__all__ = ["problems"]


def problems(settings: WallSettings) -> list[str]:
    """Every name the configuration uses that nothing defines, one sentence each."""
    from pydantic import ValidationError

    from data_feeds.base import FeedError, feed_class
    from layouts.registry import panels

    out: list[str] = []
    for spec in settings.feeds.feeds:
        try:
            cls = feed_class(spec.kind)
        except FeedError as exc:
            out.append(f"feeds.yaml: feed {spec.id}: {exc}")
            continue
        try:
            cls.Settings.model_validate(spec.settings)
        except ValidationError as exc:
            first = exc.errors()[0]
            out.append(f"feeds.yaml: feed {spec.id} ({spec.kind}): settings "
                       f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    known = panels(settings)
    tags = {t for p in known.values() for t in p.tags}
    for screen in settings.wall.screens:
        if screen.panel not in known:
            out.append(f"wall.yaml: screen {screen.id} shows unknown panel {screen.panel!r}")
    for pl in settings.wall.playlists:
        out += [f"wall.yaml: playlist {pl.id} names unknown panel {p!r}"
                for p in pl.panels if p not in known]
        if pl.tag and pl.tag not in tags:
            out.append(f"wall.yaml: playlist {pl.id}: no panel has the tag {pl.tag!r}")
    return out
