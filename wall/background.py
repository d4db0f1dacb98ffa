"""A piece of work that runs in a daemon thread until stopped (the forecast worker, the alerts)."""

from __future__ import annotations

import threading
from typing import Self

__all__ = ["Background"]


class Background:
    """Subclasses implement `run()`, returning once `self._stop` is set."""

    thread_name = "background"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """The work; returns when `self._stop` is set."""
        raise NotImplementedError

    def start(self) -> Self:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the work to stop and wait for it (at most 10 s)."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
