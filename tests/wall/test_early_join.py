"""A panel's page names the room its socket will join, so the join overlaps loading the panel:
only to a caller who may open the page, and never for a panel whose room follows a parameter."""

from __future__ import annotations

import re

from layouts.registry import panels
from tests.helpers import bearer
from wall.accounts import Accounts
from wall.app import create_app
from wall.config import WallSettings
from wall.store import Store

META = re.compile(r'<meta name="wall-room" content="([^"]*)">')


def _room(client, path: str, headers: dict[str, str]) -> str | None:  # type: ignore[no-untyped-def]
    reply = client.get(path, headers=headers)
    assert reply.status_code == 200
    found = META.search(reply.get_data(as_text=True))
    return found[1] if found else None


def test_pages_name_the_room_their_panel_joins(settings: WallSettings, store: Store) -> None:
    wall = create_app(settings, store, start_relay=False)
    client, admin = wall.server.test_client(), bearer(store, "admin")
    assert _room(client, "/screen/customs", admin) == "customs"
    assert _room(client, "/screen/group-1?page=2", admin) == "group-1#2"
    last = len(panels()["group-1"].pages)
    assert last > 1 and _room(client, "/screen/group-1?page=99", admin) == f"group-1#{last}"
    assert _room(client, "/screen/analysis", admin) is None  # its room follows the indicator
    assert _room(client, "/screen/no-such-panel", admin) is None
    assert client.get("/screen/customs").status_code == 302  # no page, no room: log in first
    kiosk = {"Authorization": "Bearer " + Accounts(store).issue_screen_token("s2", "internal")}
    assert _room(client, "/s/s2", kiosk) == wall.screens.view("s2").panel == "customs"
    wall.screens.assign(["s2"], "emergency")  # the console switched it: the page follows
    assert _room(client, "/s/s2", kiosk) == "emergency"

