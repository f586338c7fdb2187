"""The gateway: the one HTTP door for external clients.

Run with ``nameko run --config deploy/config.yaml gateway.service``.
"""
from gateway.openapi import check_routes
from gateway.routes.certificates import CertificatesRoutes
from gateway.routes.chat import ChatRoutes
from gateway.routes.filings import FilingsRoutes
from gateway.routes.mailbox import MailboxRoutes
from gateway.routes.protocol import ProtocolRoutes
from gateway.routes.queries import QueriesRoutes
from gateway.routes.session import SessionRoutes
from gateway.routes.system import SystemRoutes

ROUTE_GROUPS = (SystemRoutes, FilingsRoutes, MailboxRoutes, ChatRoutes, CertificatesRoutes, QueriesRoutes,
                ProtocolRoutes, SessionRoutes)


class Gateway(*ROUTE_GROUPS):
    name = "gateway"


check_routes(ROUTE_GROUPS)  # two routes with one name, or one method and path, stop the gateway here
