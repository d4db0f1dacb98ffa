"""The one seam where access control plugs in (issue 5): every HTTP request and socket connect.

Today it admits every caller; the checks of roles, screen tokens and classification go here,
so that every path (pages, Dash callbacks, API, Socket.IO) is guarded in one place.
"""

from __future__ import annotations

from flask import Flask

__all__ = ["allow_socket", "install"]


def allow_request() -> None:
    """Admit or refuse the current HTTP request (admits all until issue 5)."""
    return None


def allow_socket() -> bool:
    """Admit or refuse the current Socket.IO connection (admits all until issue 5)."""
    return True


def install(server: Flask) -> None:
    """Run `allow_request` before every route the server has, Dash's own included."""
    server.before_request(allow_request)
