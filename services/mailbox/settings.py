"""The mailbox's own settings, checked when the service starts (a bad value refuses to start,
rather than failing every event later)."""
from services.runtime.config import ServiceSettings, Setting, between, positive, time_zone

MAX_DEEMED_DAYS = 30
MIN_LAPSE_BUDGET = 5  # seconds


class MailboxSettings(ServiceSettings):
    tz = Setting("COURT_TIMEZONE", "America/Guatemala", time_zone)
    deemed_days = Setting("DEEMED_SERVICE_DAYS", 3, int, between(1, MAX_DEEMED_DAYS, "días hábiles"))
    lapse_interval = Setting("LAPSE_JOB_INTERVAL", 60, float, positive)
    rpc_timeout = Setting("RPC_TIMEOUT", 10, float, positive)

    @property
    def tz_name(self):
        return self.tz.key

    @property
    def lapse_budget(self):
        """How long one run of the lapse job keeps serving batches: its interval, at least MIN_LAPSE_BUDGET s."""
        return max(self.lapse_interval, MIN_LAPSE_BUDGET)
