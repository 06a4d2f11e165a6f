"""The quick commands' plain settings reader (cli.settings_light) reads what cli.settings.Settings reads, from the
same sources in the same order, or gives way to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.settings import Settings
from cli.settings_light import LightSettings, NotPlain

FIELDS = ("home", "store", "sqlite_file", "blobs_path", "records_path", "transparency_log")


def _both(monkeypatch: pytest.MonkeyPatch, home: Path, env: dict[str, str], saved: dict[str, object],
          overrides: dict[str, object]) -> tuple[LightSettings, Settings]:
    for name in [n for n in __import__("os").environ if n.upper().startswith("CERTLEDGER_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    home.mkdir(exist_ok=True)
    (home / "config.json").write_text(json.dumps(saved), "utf-8")
    monkeypatch.chdir(home.parent)
    return LightSettings(overrides), Settings(**overrides).with_file()


@pytest.mark.parametrize(("env", "saved"), [
    ({}, {}),
    ({}, {"store": "memory", "sqlite_path": "file.db", "transparency_log": False, "lock_timeout": 4}),
    ({"CERTLEDGER_STORE": "sqlite", "certledger_sqlite_path": "env.db"}, {"store": "memory", "sqlite_path": "f.db"}),
    ({"CERTLEDGER_TRANSPARENCY_LOG": "OFF", "CERTLEDGER_CIPHER_KEY": "a2V5"}, {"cipher_key": "b3RoZXI="}),
    ({"CERTLEDGER_STORE": "postgres", "CERTLEDGER_POSTGRES_PORT": "6543", "CERTLEDGER_POSTGRES_SCHEMA": "s1"},
     {"postgres_host": "db", "postgres_password": "pw", "office": "1501"}),
    ({"CERTLEDGER_BLOBS_DIR": "b", "CERTLEDGER_OFFICE": "1502"}, {"blobs_dir": "saved-b"}),
])
def test_the_same_values_from_the_same_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               env: dict[str, str], saved: dict[str, object]) -> None:
    home = tmp_path / "home"
    light, full = _both(monkeypatch, home, env, saved, {"home": home, "office": "1509"})
    for field in FIELDS:
        assert getattr(light, field) == getattr(full, field), field
    assert light.eventsourcing_env() == full.eventsourcing_env()
    assert light.eventsourcing_env(create=True) == full.eventsourcing_env(create=True)
    assert light.office == full.office == "1509"  # not the light reader's: the full Settings'
    assert light.operator == full.operator


def test_the_home_from_the_environment_finds_its_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    light, full = _both(monkeypatch, home, {"CERTLEDGER_HOME": str(home)}, {"store": "memory"}, {})
    assert light.home == full.home == home and light.store == full.store == "memory"


@pytest.mark.parametrize(("env", "saved"), [
    ({"CERTLEDGER_STORE": "oracle"}, {}), ({"CERTLEDGER_LOCK_TIMEOUT": "1e3"}, {}), ({}, {"transparency_log": "maybe"}),
    ({"CERTLEDGER_HOME": ""}, {}), ({}, {"sqlite_path": 5}),
    ({"CERTLEDGER_STORE": "memory", "certledger_store": "x"}, {}),
])
def test_what_is_not_plain_goes_to_the_full_reader(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   env: dict[str, str], saved: dict[str, object]) -> None:
    home = tmp_path / "home"
    with pytest.raises(NotPlain):
        _both(monkeypatch, home, env, saved, {"home": home})
