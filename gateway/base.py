"""What every group of gateway routes shares: identity, configuration, RPC with a timeout."""
from nameko.dependency_providers import Config

from gateway.auth import Auth
from gateway.ratelimit import RateLimit
from services.runtime import rpc
from services.runtime.config import Settings
from services.runtime.observability import Observability


class GatewayBase:
    """Mixin base: no service name here, so only ``Gateway`` is a service."""

    auth = Auth()
    ratelimit = RateLimit()  # the one per-client limiter of every public route (gateway.ratelimit)
    config = Config()
    observability = Observability()
    filings = rpc.proxy("filings")
    mailbox = rpc.proxy("mailbox")
    queries = rpc.proxy("queries")
    certificates = rpc.proxy("certificates")
    chat = rpc.proxy("chat")

    @property
    def settings(self):
        return Settings(self.config)

    def call(self, method_proxy, *args, **kwargs):
        return rpc.call(method_proxy, *args, timeout=self.settings.rpc_timeout, **kwargs)
