"""The queries service's own settings, checked when the service starts."""
from services.runtime.config import ServiceSettings, Setting, at_least, positive, time_zone
from services.runtime.workqueue import RetryPolicy


class QueriesSettings(ServiceSettings):
    tz = Setting("COURT_TIMEZONE", "America/Guatemala", time_zone)
    rpc_timeout = Setting("RPC_TIMEOUT", 10, float, positive)
    # copies of the public resolutions' PDFs: retried with exponential backoff while filings cannot give them
    fetch_backoff = Setting("QUERIES_FETCH_BACKOFF_SECONDS", 2, float, positive)
    fetch_backoff_max = Setting("QUERIES_FETCH_BACKOFF_MAX_SECONDS", 600, float, positive)
    fetch_max_attempts = Setting("QUERIES_FETCH_MAX_ATTEMPTS", 500, int, at_least(1))
    fetch_budget = Setting("QUERIES_FETCH_BUDGET_SECONDS", 20, float, positive)  # one timer run at most

    @property
    def fetch_policy(self):
        return RetryPolicy(backoff_seconds=self.fetch_backoff, backoff_max_seconds=self.fetch_backoff_max,
                           max_attempts=self.fetch_max_attempts, lease_seconds=max(60.0, 3 * self.rpc_timeout))
