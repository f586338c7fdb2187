"""The filings service's own settings, checked when the service starts (a bad value refuses to start,
rather than failing every submission later)."""
from services.runtime.config import ServiceSettings, Setting, at_least, time_zone


class FilingsSettings(ServiceSettings):
    max_document_bytes = Setting("MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, int, at_least(1))
    max_documents_per_filing = Setting("MAX_DOCUMENTS_PER_FILING", 10, int, at_least(1))
    tz = Setting("COURT_TIMEZONE", "America/Guatemala", time_zone)

    @property
    def court_timezone(self):
        return self.tz.key
