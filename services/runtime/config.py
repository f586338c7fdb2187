"""Configuration: one YAML file (deploy/config.yaml) with environment overrides.

Inside a nameko container the loaded file is ``container.config``; outside one
(command-line tools, tests) ``load_config()`` reads the same file the same way.
"""
import os
from pathlib import Path

import yaml

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
