"""The mailbox's business counters as the service moves them once the store committed: a notice served by its first
opening or by the lapse job counts as served, and as a due date fixed when it has a term; a notice opened again
(already served) counts nothing. The store is a stand-in that answers what the real one returns."""
from types import SimpleNamespace

from prometheus_client import REGISTRY

from services.mailbox.service import MailboxService

DUE = "2025-03-17"


def value(name, served_by):
    return REGISTRY.get_sample_value(name, {"served_by": served_by}) or 0


class Store:
    """What ``MailboxService`` asks of ``MailboxStore`` here: serving by access and by lapse, the audit, the cache."""

    def __init__(self, opened=None, lapsed=()):
        self.opened, self.lapsed = opened, list(lapsed)

    def record_access(self, notification_id, sub, calendar, days, known=None, durable=True):
        return self.opened

    def serve_lapsed(self, calendar, days):
        served, self.lapsed = self.lapsed, []
        return served, 0, len(served)

    def audit(self, *args):
        pass

    def keep(self, doc):
        pass


def service(store):
    return SimpleNamespace(store=store, settings=SimpleNamespace(lapse_budget=5), calendar=lambda: None,
                           deemed_days=3)


def test_a_first_opening_counts_the_service_and_its_due_date_once():
    served, due = value("portal_mailbox_notifications_served_total", "access"), value(
        "portal_mailbox_due_dates_total", "access")
    notice = {"_id": "n1", "accessed_at": None, "served_at": None}
    opened = {**notice, "accessed_at": "t", "served_at": "t", "served_by": "access", "due_date": DUE}
    mailbox = service(Store(opened=(opened, "access")))
    MailboxService._open(mailbox, {"sub": "lic.ana"}, notice, "read_notification")
    assert value("portal_mailbox_notifications_served_total", "access") == served + 1
    assert value("portal_mailbox_due_dates_total", "access") == due + 1
    MailboxService._open(mailbox, {"sub": "lic.ana"}, opened, "read_notification")  # settled: nothing written
    without_term = {**opened, "_id": "n2", "due_date": None}
    MailboxService._open(service(Store(opened=(without_term, "access"))), {"sub": "lic.ana"},
                         {**notice, "_id": "n2"}, "read_notification")
    assert value("portal_mailbox_notifications_served_total", "access") == served + 2
    assert value("portal_mailbox_due_dates_total", "access") == due + 1


def test_the_lapse_job_counts_the_due_dates_of_the_notices_it_served():
    served, due = value("portal_mailbox_notifications_served_total", "lapse"), value(
        "portal_mailbox_due_dates_total", "lapse")
    lapsed = [{"_id": "n1", "due_date": DUE}, {"_id": "n2", "due_date": DUE}, {"_id": "n3", "due_date": None}]
    mailbox = service(Store(lapsed=lapsed))
    MailboxService.serve_lapsed_notices(mailbox)
    MailboxService.serve_lapsed_notices(mailbox)  # nothing more to serve
    assert value("portal_mailbox_notifications_served_total", "lapse") == served + 3
    assert value("portal_mailbox_due_dates_total", "lapse") == due + 2
