"""Configuration: one YAML file (deploy/config.yaml) with environment overrides.

Inside a nameko container the loaded file is ``container.config``; outside one
(command-line tools, tests) ``load_config()`` reads the same file the same way.

A service declares the keys it reads as typed fields of one ``ServiceSettings``
class and gets them through ``SettingsProvider``, which reads and checks every
field when the container starts: a missing or bad value refuses to start with an
error naming the key, instead of failing every call later::

    class FilingsSettings(ServiceSettings):
        max_document_bytes = Setting("MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, int, at_least(1))

    class FilingsService:
        settings = SettingsProvider(FilingsSettings)   # self.settings.max_document_bytes
"""
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from nameko.extensions import DependencyProvider

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_PATH = ROOT / "deploy" / "config.yaml"


def load_config(path=None):
    """Load the YAML configuration, resolving ``${VAR:default}`` from the environment."""
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    path = Path(path or os.environ.get("PORTAL_CONFIG") or DEFAULT_CONFIG_PATH)
    with path.open() as handle:
        return yaml.safe_load(handle)


class Settings:
    """Typed access to a configuration mapping."""

    def __init__(self, config):
        self._config = config or {}

    def get(self, key, default=None):
        value = self._config.get(key)
        return default if value in (None, "") else value

    def int(self, key, default):
        return int(self.get(key, default))

    def float(self, key, default):
        return float(self.get(key, default))

    @property
    def production(self):
        return str(self.get("PORTAL_ENV", "development")).lower() == "production"

    @property
    def mongo_uri(self):
        return self.get("MONGO_URI", "mongodb://127.0.0.1:27017/?replicaSet=rs0")

    @property
    def db_prefix(self):
        return self.get("MONGO_DB_PREFIX", "portal")

    @property
    def rpc_timeout(self):
        return self.float("RPC_TIMEOUT", 10)

    @property
    def court_timezone(self):
        return self.get("COURT_TIMEZONE", "America/Guatemala")


class ConfigurationError(ValueError):
    """A configuration value a service cannot run with; the message names the key."""

    def __init__(self, key, value, rule):
        self.key = key
        super().__init__(f"Configuración inválida: {key}={value!r}: {rule}")


def at_least(minimum):
    """A check: the value is ``minimum`` or more."""
    return lambda value: None if value >= minimum else f"debe ser al menos {minimum}"


def between(low, high, unit=""):
    """A check: ``low`` <= value <= ``high``."""
    suffix = f" {unit}" if unit else ""
    return lambda value: None if low <= value <= high else f"debe estar entre {low} y {high}{suffix}"


def positive(value):
    """A check: more than zero."""
    return None if value > 0 else "debe ser un número mayor que cero"


def time_zone(value):
    """A type: an IANA time zone name, as its ``ZoneInfo``."""
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("no es una zona horaria conocida (IANA, p. ej. America/Guatemala)") from exc


_KIND_RULES = {int: "debe ser un número entero", float: "debe ser un número"}


class Setting:
    """One configuration key of a service: its default, its type (a callable that converts the raw value
    and raises ValueError/TypeError when it cannot) and an optional check (returns None, or the rule broken,
    in Spanish)."""

    def __init__(self, key, default, kind=str, check=None):
        self.key = key
        self.default = default
        self.kind = kind
        self.check = check

    def read(self, settings):
        raw = settings.get(self.key, self.default)
        try:
            value = self.kind(raw)
        except (TypeError, ValueError) as exc:
            rule = _KIND_RULES.get(self.kind) or str(exc) or "valor no válido"
            raise ConfigurationError(self.key, raw, rule) from exc
        problem = self.check(value) if self.check is not None else None
        if problem:
            raise ConfigurationError(self.key, raw, problem)
        return value


class ServiceSettings:
    """A service's configuration: every ``Setting`` declared on the class, read and checked once, becomes
    an attribute of the instance holding its value."""

    def __init__(self, config):
        settings = config if isinstance(config, Settings) else Settings(config)
        for name, setting in self.declared().items():
            setattr(self, name, setting.read(settings))

    @classmethod
    def declared(cls):
        found = {}
        for klass in reversed(cls.__mro__):
            found.update({name: value for name, value in vars(klass).items() if isinstance(value, Setting)})
        return found


class SettingsProvider(DependencyProvider):
    """``settings = SettingsProvider(MySettings)``: the service's ``ServiceSettings``, built when the container
    is set up (a bad value stops the service from starting) and shared by every worker."""

    def __init__(self, settings_cls, **kwargs):
        self.settings_cls = settings_cls
        self.settings = None
        super().__init__(**kwargs)

    def setup(self):
        self.settings = self.settings_cls(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
