"""Settings: defaults < `aemo_wh.toml` < environment (`AEMO_WH_*`, optionally from `.env`).

Every setting lives in one section dataclass below. A TOML key `[email] smtp_host = ...`
is overridden by the environment variable `AEMO_WH_EMAIL_SMTP_HOST`. Secrets (the SMTP
password) come only from the environment or `.env`, never from the TOML file, and are
never logged. Paths are relative to the project root unless absolute.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aemo_wh.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NEMWEB_URL = "https://nemweb.com.au"
REGISTRATION_LIST_URL = (
    "https://www.aemo.com.au/-/media/files/electricity/nem/participant_information/"
    "nem-registration-and-exemption-list.xlsx"
)
SECRET_FIELDS = {("email", "smtp_password"), ("dashboard", "basic_auth_password")}


@dataclass(frozen=True)
class PathSettings:
    warehouse: Path = Path("warehouse")
    logs: Path = Path("logs")
    overrides: Path = Path("duid_overrides.csv")  # user corrections to the DUID registry


@dataclass(frozen=True)
class NemwebSettings:
    base_url: str = NEMWEB_URL  # or a local folder laid out like NEMWeb
    timeout_s: float = 30.0
    retries: int = 3
    backoff_s: float = 1.0
    max_download_mb: float = 2000.0
    # What one source file may expand to when unzipped, counted while reading (a zip bomb is refused
    # at this many MB with bounded memory). The largest real files, MMSDM months, are ~0.5-2 GB.
    max_uncompressed_mb: float = 8192.0
    user_agent: str = "aemo-wh/0.1 (NEM Analysis; +https://github.com/)"
    max_files_per_run: int = 0  # 0 = no cap
    registration_list_url: str = REGISTRATION_LIST_URL


@dataclass(frozen=True)
class WarehouseSettings:
    grace_hours: float = 1.0  # superseded parquet is deleted only after this
    retention_days: dict[str, int] = field(default_factory=dict)  # per table; absent = keep all


@dataclass(frozen=True)
class DashboardSettings:
    address: str = "127.0.0.1"
    port: int = 5010
    refresh_s: int = 30
    basic_auth_user: str = ""
    basic_auth_password: str = field(default="", repr=False)  # env only; kept out of repr() and logs
    allow_anonymous: bool = False  # serve a non-loopback address without a login (else refused)


@dataclass(frozen=True)
class EmailSettings:
    smtp_host: str = ""
    smtp_port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)  # env / .env only; kept out of repr() and logs
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    timeout_s: float = 10.0  # short: email never holds up an ingest
    ca_file: str = ""  # extra CA bundle (PEM) for a relay with a private certificate
    retry_base_s: float = 60.0  # outbox backoff: base * 2**(attempts-1), capped below
    retry_max_s: float = 3600.0
    outbox_expire_days: float = 7.0  # undelivered after this -> moved to outbox/failed/


@dataclass(frozen=True)
class AlertSettings:
    unknown_duid_cooldown_days: float = 7.0
    unknown_duid_recent_days: float = 7.0  # only DUIDs with SCADA this recently (a backfill of retired units stays quiet)
    price_high: list[float] = field(default_factory=lambda: [1000.0, 10000.0])
    price_low: list[float] = field(default_factory=lambda: [-100.0])
    # per-region replacements of price_high / price_low (TOML: price_high_by_region = {SA1 = [300.0]})
    price_high_by_region: dict[str, list[float]] = field(default_factory=dict)
    price_low_by_region: dict[str, list[float]] = field(default_factory=dict)
    price_lookback_minutes: float = 120.0  # older crossings (backfill, first run) are not emailed
    freshness_minutes: float = 30.0
    # a region's rolling 7-day cumulative price reaching this % of the cumulative price threshold
    cpt_warn_pct: float = 80.0


@dataclass(frozen=True)
class ReportSettings:
    send_time: str = "07:00"  # NEM time


@dataclass(frozen=True)
class Settings:
    root: Path = PROJECT_ROOT
    paths: PathSettings = field(default_factory=PathSettings)
    nemweb: NemwebSettings = field(default_factory=NemwebSettings)
    warehouse: WarehouseSettings = field(default_factory=WarehouseSettings)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    report: ReportSettings = field(default_factory=ReportSettings)

    def path(self, p: Path | str) -> Path:
        """Resolve a configured path against the project root."""
        p = Path(p)
        return p if p.is_absolute() else self.root / p

    @property
    def warehouse_dir(self) -> Path:
        return self.path(self.paths.warehouse)

    @property
    def log_file(self) -> Path:
        return self.path(self.paths.logs) / "aemo_wh.log"

    def with_overrides(self, **sections: dict[str, Any]) -> Settings:
        """A copy with some section fields replaced, e.g. with_overrides(nemweb={"base_url": u})."""
        changes: dict[str, Any] = {}
        for name, values in sections.items():
            changes[name] = dataclasses.replace(getattr(self, name), **values)
        return dataclasses.replace(self, **changes)


def _coerce(value: str, typ: Any, where: str) -> Any:
    """Turn an environment string into the field's type."""
    origin = typing.get_origin(typ)
    try:
        if typ is bool:
            return value.strip().lower() in {"1", "true", "yes", "on"}
        if typ is int:
            return int(value)
        if typ is float:
            return float(value)
        if typ is Path:
            return Path(value)
        if origin is list:
            (inner,) = typing.get_args(typ)
            return [_coerce(v.strip(), inner, where) for v in value.split(",") if v.strip()]
        if origin is dict:
            out = {}
            for part in value.split(","):
                if part.strip():
                    k, _, v = part.partition("=")
                    out[k.strip()] = int(v)
            return out
    except ValueError as exc:
        raise ConfigError(f"{where} must be {_KIND.get(typ, typ)}, got {value!r}", hint=str(exc)) from exc
    return value


_KIND = {bool: "true or false", int: "an integer", float: "a number", str: "a string", Path: "a path (a string)"}
_KINDS = {bool: "true/false values", int: "integers", float: "numbers", str: "strings", Path: "paths (strings)"}


def _type_problem(value: Any, typ: Any) -> str | None:
    """What `value` (from TOML) should have been for a field of type `typ`, or None when it fits."""
    origin = typing.get_origin(typ)
    if origin is list:
        (inner,) = typing.get_args(typ)
        want = f"a list of {_KINDS.get(inner, inner)}"
        return want if not isinstance(value, list) or any(_type_problem(v, inner) for v in value) else None
    if origin is dict:
        _k, inner = typing.get_args(typ)
        want = f"a table of {_KINDS.get(inner, inner)}"
        return want if not isinstance(value, dict) or any(_type_problem(v, inner) for v in value.values()) else None
    if typ is bool:
        ok = isinstance(value, bool)
    elif typ is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif typ is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif typ in (str, Path):
        ok = isinstance(value, str)
    else:
        return None
    return None if ok else _KIND[typ]


def _section_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Load settings from defaults, the TOML file, `.env` and the environment."""
    root = Path(os.environ.get("AEMO_WH_ROOT", PROJECT_ROOT))
    env = dict(os.environ if env is None else env)
    dotenv = root / ".env"
    if dotenv.is_file():
        from dotenv import dotenv_values

        for k, v in dotenv_values(dotenv).items():
            if v is not None:
                env.setdefault(k, v)
    if config_file is None:
        config_file = Path(env.get("AEMO_WH_CONFIG", root / "aemo_wh.toml"))
    data: dict[str, Any] = {}
    if config_file.is_file():
        with config_file.open("rb") as fh:
            data = tomllib.load(fh)
    top = _section_types(Settings)
    sections: dict[str, Any] = {}
    for name, typ in top.items():
        if name == "root":
            continue
        given = data.pop(name, {}) or {}
        fields = _section_types(typ)
        for key in given:
            if key not in fields:
                close = difflib.get_close_matches(key, fields, n=1)
                hint = f"Did you mean '{close[0]}'?" if close else f"Known keys: {', '.join(fields)}"
                raise ConfigError(f"{config_file}: unknown setting [{name}] {key}", hint=hint)
            if (name, key) in SECRET_FIELDS:
                env_name = f"AEMO_WH_{name.upper()}_{key.upper()}"
                raise ConfigError(
                    f"{config_file}: [{name}] {key} is a secret and may not be in a file",
                    hint=f"Set {env_name} in the environment or in .env instead.",
                )
        for key, value in given.items():
            want = _type_problem(value, fields[key])
            if want:
                raise ConfigError(
                    f"[{name}] {key} must be {want}, got {value!r} (in {config_file})",
                    hint="Fix the value in that file (TOML: numbers unquoted, strings in quotes, true/false).",
                )
        values = dict(given)
        for key, ftyp in fields.items():
            env_name = f"AEMO_WH_{name.upper()}_{key.upper()}"
            if env_name in env:
                values[key] = _coerce(env[env_name], ftyp, env_name)
        for key, ftyp in fields.items():
            if key in values and ftyp is Path and not isinstance(values[key], Path):
                values[key] = Path(values[key])
        try:
            sections[name] = typ(**values)
        except TypeError as exc:
            raise ConfigError(f"{config_file}: bad section [{name}]", hint=str(exc)) from exc
    if data:
        unknown = ", ".join(sorted(data))
        raise ConfigError(f"{config_file}: unknown section(s) {unknown}", hint=f"Known: {', '.join(top)}")
    return Settings(root=root, **sections)
