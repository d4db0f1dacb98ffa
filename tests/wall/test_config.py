"""Config is validated at start-up; a bad file names the file, the path inside and the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from wall.config import ConfigError, WallSettings, load_settings
from wall.store import Store


def test_repository_config_is_valid(settings: WallSettings) -> None:
    cat = settings.catalogue
    assert [g.id for g in cat.groups] == [1, 2, 3, 4, 5, 6, 7]
    assert all(g.name_vi and g.name_en for g in cat.groups)
    cpi = cat.get("CPI_YTD_YOY_IDX")
    assert cpi is not None and cpi.target_for(2024) is not None
    gdp = cat.get("NY.GDP.MKTP.KD.ZG")
    assert gdp is not None
    target = gdp.target_for(2024)
    assert target is not None and (target.low, target.high) == (6.0, 6.5)


def _broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_missing_field_names_file_path_and_reason(tmp_path: Path) -> None:
    folder = _broken(tmp_path, "catalogue.yaml", "    unit: \"million USD\"\n", "")
    with pytest.raises(ConfigError) as err:
        load_settings(folder)
    msg = str(err.value)
    assert "catalogue.yaml" in msg and "indicators[" in msg and ".unit" in msg
    assert "Field required" in msg


def test_bad_duration_is_refused(tmp_path: Path) -> None:
    folder = _broken(tmp_path, "feeds.yaml", "interval: 6s", "interval: soon")
    with pytest.raises(ConfigError, match=r"feeds\.yaml: feeds\[0\]\.interval"):
        load_settings(folder)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    folder = _broken(tmp_path, "wall.yaml", "timezone:", "tz_typo: x\ntimezone:")
    with pytest.raises(ConfigError, match="tz_typo"):
        load_settings(folder)


def test_cli_check_exits_nonzero_on_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    from wall.cli import main

    folder = _broken(tmp_path, "catalogue.yaml", "group: 2", "group: 9")
    assert main(["--config", str(folder), "check"]) == 2
    assert "catalogue.yaml" in capsys.readouterr().err


def test_console_command_is_opswall_not_util_linux_wall() -> None:
    """The command is `opswall`: `wall` would broadcast to every terminal outside the venv."""
    import subprocess
    import sys

    bindir = Path(sys.executable).parent
    assert not (bindir / "wall").exists()
    done = subprocess.run([str(bindir / "opswall"), "--help"], capture_output=True, text=True,
                          check=True)
    assert done.stdout.startswith("usage: opswall")


def test_check_cross_references_feed_kinds_panels_and_playlists(settings: WallSettings) -> None:
    from wall.config_check import problems

    assert problems(settings) == []
    screens = [s.model_copy(update={"panel": "nosuch"}) if s.id == "s3" else s
               for s in settings.wall.screens]
    feeds = [settings.feeds.feeds[0].model_copy(update={"kind": "nokind"}),
             *settings.feeds.feeds[1:]]
    broken = settings.model_copy(update={
        "wall": settings.wall.model_copy(update={"screens": screens}),
        "feeds": settings.feeds.model_copy(update={"feeds": feeds})})
    found = problems(broken)
    assert any("unknown panel 'nosuch'" in p for p in found)
    assert any("nokind" in p for p in found)


def test_screen_params_must_be_names_and_short_strings(settings: WallSettings,
                                                       store: Store) -> None:
    from flask.testing import FlaskClient

    from tests.helpers import bearer
    from wall.app import create_app

    client: FlaskClient = create_app(settings, store, start_relay=False).server.test_client()
    bad = client.post("/api/v1/screens/s1", headers=bearer(store),
                      json={"panel": "overview", "params": "province=79"})
    assert bad.status_code == 400 and "params" in bad.get_json()["error"]
    assert client.get("/control", headers=bearer(store)).status_code == 200


def test_a_bad_environment_value_is_a_sentence_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from wall.cli import main

    monkeypatch.setenv("WALL_SOCKETS_PER_ADDRESS", "many")
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "WALL_SOCKETS_PER_ADDRESS must be a whole number, not 'many'" in err
    assert "Traceback" not in err
    monkeypatch.delenv("WALL_SOCKETS_PER_ADDRESS")
    monkeypatch.setenv("REDIS_SENTINELS", "127.0.0.1")
    assert main(["audit"]) == 2
    assert "REDIS_SENTINELS: '127.0.0.1' is not host:port" in capsys.readouterr().err
