"""The index settings: ATERA_INDEX, ATERA_INDEX_PATH, ATERA_INDEX_REFRESH and the default path."""

from __future__ import annotations

from pathlib import Path

import pytest

from atera_mcp.config import Settings, index_fingerprint
from atera_mcp.errors import ConfigError

KEY = "secret-key-0123456789"


def test_the_default_index_file_is_in_the_cache_named_by_a_hash_never_the_key(
    tmp_path: Path,
) -> None:
    env = {"ATERA_API_KEY": KEY, "XDG_CACHE_HOME": str(tmp_path)}
    path = Settings.from_env(env).index_path
    assert path is not None
    assert path.parent == tmp_path / "atera-mcp"
    assert path.suffix == ".sqlite3"
    assert KEY not in str(path)
    assert path.stem == index_fingerprint("https://app.atera.com/api/v3", KEY)


def test_each_account_and_key_gets_its_own_file(tmp_path: Path) -> None:
    def path(**env: str) -> Path | None:
        return Settings.from_env({"XDG_CACHE_HOME": str(tmp_path), **env}).index_path

    one = path(ATERA_API_KEY=KEY)
    assert one == path(ATERA_API_KEY=KEY)
    assert one != path(ATERA_API_KEY=KEY + "x")
    assert one != path(ATERA_API_KEY=KEY, ATERA_BASE_URL="https://api.atera.com/api/v3")


def test_without_xdg_cache_home_the_index_goes_to_dot_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for cache in ({}, {"XDG_CACHE_HOME": "relative/path"}):
        path = Settings.from_env({"ATERA_API_KEY": KEY, **cache}).index_path
        assert path is not None
        assert path.parent == tmp_path / ".cache" / "atera-mcp"


def test_atera_index_path_overrides_and_off_turns_the_index_off(tmp_path: Path) -> None:
    chosen = tmp_path / "mine.sqlite3"
    env = {"ATERA_API_KEY": KEY, "ATERA_INDEX_PATH": str(chosen)}
    assert Settings.from_env(env).index_path == chosen
    assert Settings.from_env({**env, "ATERA_INDEX": "OFF"}).index_path is None
    assert not Settings.from_env({**env, "ATERA_INDEX": "OFF"}).index_enabled
    assert Settings.from_env({}).index_enabled  # on by default, even before a key names a file
    assert Settings.from_env({**env, "ATERA_INDEX": "on"}).index_path == chosen


def test_without_a_key_there_is_no_default_index_file() -> None:
    assert Settings.from_env({}).index_path is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ATERA_INDEX": "maybe"}, "ATERA_INDEX must be on or off"),
        ({"ATERA_INDEX_REFRESH": "0"}, "ATERA_INDEX_REFRESH must be a number of seconds"),
        ({"ATERA_INDEX_REFRESH": "soon"}, "ATERA_INDEX_REFRESH must be a number of seconds"),
    ],
)
def test_bad_index_settings_name_the_variable_and_what_is_valid(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({"ATERA_API_KEY": KEY, **env})


def test_a_folder_is_not_an_index_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ATERA_INDEX_PATH must name a file"):
        Settings.from_env({"ATERA_API_KEY": KEY, "ATERA_INDEX_PATH": str(tmp_path)})


def test_the_refresh_interval_defaults_to_15_seconds() -> None:
    assert Settings.from_env({}).index_refresh == 15.0
    assert Settings.from_env({"ATERA_INDEX_REFRESH": "5"}).index_refresh == 5.0
