"""The gateway: the one HTTP door for external clients.

Run with ``nameko run --config deploy/config.yaml gateway.service``.
"""
from gateway.routes.filings import FilingsRoutes
from gateway.routes.mailbox import MailboxRoutes
from gateway.routes.system import SystemRoutes


class Gateway(SystemRoutes, FilingsRoutes, MailboxRoutes):
    name = "gateway"
