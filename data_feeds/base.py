"""The Feed contract: one file per source kind, one `config/feeds.yaml` entry per source.

A feed turns what a source publishes into Observations. It never touches Redis, scheduling,
retries or sockets: the runner and the store do. Example::

    class Settings(BaseModel):
        url: str

    class MyFeed(Feed):
        kind = "my_kind"
        Settings = Settings

        def poll(self) -> Iterable[Observation | Rejected]:
            for record in fetch(self.settings.url):
                yield Observation(...)
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel

from wall.config import Catalogue, FeedSpec, WallSettings
from wall.observation import Observation

__all__ = ["Feed", "FeedError", "Rejected", "Snapshot", "Submission", "feed_class"]

_KINDS: dict[str, type[Feed]] = {}


class FeedError(Exception):
    """A source that cannot be read now (down, refused, malformed as a whole)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record the adapter could not turn into an Observation: kept in quarantine, never lost."""

    reason: str
    raw: Any
    kind: str = "record"


@dataclass(frozen=True, slots=True)
class Submission:
    """A report received from a reporting unit under a regime, for the compliance panel."""

    regime: str
    unit: str
    period: str
    file: str
    accepted: int
    rejected: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The latest picture of a camera (kept in Redis, served to the camera panels)."""

    target: str
    content_type: str
    data: bytes
    at: str


class Feed:
    """Base class of every source adapter; subclasses set `kind` and `Settings`."""

    kind: ClassVar[str] = ""
    Settings: ClassVar[type[BaseModel]] = BaseModel

    def __init__(self, spec: FeedSpec, catalogue: Catalogue,
                 wall: WallSettings | None = None) -> None:
        self.spec = spec
        self.catalogue = catalogue
        self.wall = wall
        self.settings: Any = self.Settings.model_validate(spec.settings)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            _KINDS[cls.kind] = cls

    @property
    def id(self) -> str:
        """The feed id from config."""
        return self.spec.id

    def poll(self) -> Iterable[Observation | Rejected]:
        """Return what the source has now (called by the runner at the feed's interval)."""
        raise NotImplementedError

    def committed(self) -> None:
        """Called after everything the last poll returned is stored (acknowledge it here)."""

    def failed(self) -> None:
        """Called when what the last poll returned could not be stored: acknowledge none of it
        (the source must offer it again)."""

    def close(self) -> None:
        """Release what the feed holds (files, connections)."""


def feed_class(kind: str) -> type[Feed]:
    """Return the Feed subclass for a kind: `data_feeds/<kind>.py`, else any adapter module."""
    if kind not in _KINDS:
        try:
            importlib.import_module(f"data_feeds.{kind}")
        except ModuleNotFoundError:
            import pkgutil

            import data_feeds

            for info in pkgutil.iter_modules(data_feeds.__path__):
                if kind in _KINDS:
                    break
                if not info.ispkg and info.name not in {"base", "runner"}:
                    importlib.import_module(f"data_feeds.{info.name}")
    if kind not in _KINDS:
        raise FeedError(f"no adapter for feed kind {kind!r} (a Feed with kind = {kind!r} "
                        "in data_feeds/)")
    return _KINDS[kind]
