"""Helper processes a wall process starts and that end with it, however it ends."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

__all__ = ["ChildProcess", "adopt", "die_with_parent"]

PR_SET_PDEATHSIG = 1  # prctl(2): the signal the kernel sends a process when its parent dies
PARENT_ENV = "WALL_PARENT_PID"  # set by ChildProcess: the child then dies with its parent


def die_with_parent(parent: int) -> None:
    """In a child: be killed by the kernel when `parent` (this process's parent) dies; exit at
    once if it already has. Linux only; elsewhere the parent's own shutdown has to do it."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the line above took effect
        os._exit(1)


def adopt() -> None:
    """At the start of a `wall.cli` process: if a ChildProcess started it, die with its parent.

    Done in the child once it runs, not between fork and exec: the parent has threads, and a
    lock one of them held at the fork would stay held in the child.
    """
    parent = os.environ.pop(PARENT_ENV, None)
    if parent and parent.isdigit():
        die_with_parent(int(parent))


class ChildProcess:
    """`python -m wall.cli <argv>` in a process of its own, sharing this one's environment
    (plus `env`) and output; SIGTERM on `stop()`, killed by the kernel if this process dies."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "wall.cli", *argv],
                                     env={**os.environ, **(env or {}),
                                          PARENT_ENV: str(os.getpid())})

    def stop(self) -> None:
        """Ask it to stop; kill it if it has not within 10 s."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
