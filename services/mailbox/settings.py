"""The mailbox's own settings, checked when the service starts (a bad value refuses to start,
rather than failing every event later)."""
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nameko.extensions import DependencyProvider

from services.runtime.config import Settings

MAX_DEEMED_DAYS = 30


class MailboxSettings:
    def __init__(self, config):
        settings = Settings(config)
        self.tz_name = settings.court_timezone
        try:
            self.tz = ZoneInfo(self.tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"COURT_TIMEZONE: unknown time zone {self.tz_name!r}") from exc
        self.deemed_days = settings.int("DEEMED_SERVICE_DAYS", 3)
        if not 1 <= self.deemed_days <= MAX_DEEMED_DAYS:
            raise ValueError(f"DEEMED_SERVICE_DAYS must be between 1 and {MAX_DEEMED_DAYS} business days")
        self.lapse_interval = settings.float("LAPSE_JOB_INTERVAL", 60)
        self.rpc_timeout = settings.rpc_timeout


class MailboxConfig(DependencyProvider):
    def setup(self):
        self.settings = MailboxSettings(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
