"""A per-client rate limit for the public routes (no login, so no other way to tell abuse from use), and a
per-user one for a signed-in lawyer's look-ups of cases they are not on (``lookups_limited``).

A token bucket per client address: ``RATE_LIMIT_BURST`` requests at once (40), refilled at
``RATE_LIMIT_PER_SECOND`` (20). A request that finds the bucket empty gets 429 with ``Retry-After`` (whole
seconds until a token is back) and a Spanish message, before anything else is done for it. The client is the
connection's address; behind ``RATE_LIMIT_TRUSTED_PROXIES`` proxies (the ingress), the address they put in
``X-Forwarded-For`` (the entry that many from the right; what a client writes there itself is not trusted).
Buckets live in each gateway process (at most ``MAX_CLIENTS`` of them, the least recently seen forgotten
first), so with N replicas a client may get up to N times the rate.

    @route("GET", "/api/v1/public/...")
    @rate_limited
    @doc(..., errors=(429,))
    def public_thing(self, request): ...
"""
import functools
import math
import time

from nameko.extensions import DependencyProvider

from gateway.web import json_response
from services.runtime.config import ServiceSettings, Setting, at_least, positive
from services.runtime.memo import BoundedMemo

MAX_CLIENTS = 100_000


class RateLimitSettings(ServiceSettings):
    per_second = Setting("RATE_LIMIT_PER_SECOND", 20, float, positive)
    burst = Setting("RATE_LIMIT_BURST", 40, float, at_least(1))
    trusted_proxies = Setting("RATE_LIMIT_TRUSTED_PROXIES", 0, int, at_least(0))
    # a signed-in lawyer's look-ups of cases they are not on (the appearance facts): per user, not per address
    lookups_per_minute = Setting("LOOKUP_RATE_PER_MINUTE", 30, float, positive)
    lookups_burst = Setting("LOOKUP_RATE_BURST", 20, float, at_least(1))


class TokenBuckets:
    """One bucket per key: ``take(key, now)`` is 0 when a request may go on, else the seconds until it may."""

    def __init__(self, per_second, burst, max_keys=MAX_CLIENTS):
        self.per_second, self.burst = float(per_second), float(burst)
        self._buckets = BoundedMemo(max_keys)

    def take(self, key, now):
        tokens, last = self._buckets.get(key) or (self.burst, now)
        tokens = min(self.burst, tokens + max(0.0, now - last) * self.per_second)
        if tokens >= 1.0:
            self._buckets.put(key, (tokens - 1.0, now))
            return 0.0
        self._buckets.put(key, (tokens, now))
        return (1.0 - tokens) / self.per_second


def client_address(request, trusted_proxies):
    """The address a request comes from, past ``trusted_proxies`` proxies."""
    if trusted_proxies:
        forwarded = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if len(forwarded) >= trusted_proxies:
            return forwarded[-trusted_proxies][:64]
    return request.remote_addr or "-"


def too_many(wait_seconds, whose="desde su conexión"):
    retry_after = max(1, math.ceil(wait_seconds))
    return json_response({"error": "rate_limited",
                          "message": f"Demasiadas consultas seguidas {whose}. Espere {retry_after} "
                                     f"segundo{'s' if retry_after != 1 else ''} e intente de nuevo.",
                          "details": {"retry_after": retry_after}},
                         status=429, headers={"Retry-After": str(retry_after)})


class RateLimit(DependencyProvider):
    """``ratelimit = RateLimit()``, declared once on ``GatewayBase``: the buckets of this gateway process, shared by
    every rate-limited route (a client's requests to any public route draw from one bucket)."""

    def setup(self):
        settings = RateLimitSettings(self.container.config)
        self.trusted_proxies = settings.trusted_proxies
        self.buckets = TokenBuckets(settings.per_second, settings.burst)
        self.lookups = TokenBuckets(settings.lookups_per_minute / 60.0, settings.lookups_burst)

    def get_dependency(self, worker_ctx):
        return self

    def refusal(self, request):
        """None when the request may go on, else the 429 response."""
        wait = self.buckets.take(client_address(request, self.trusted_proxies), time.monotonic())
        return too_many(wait) if wait else None

    def lookup_refusal(self, request):
        """None when the signed-in user may look up one more case they are not on, else the 429 response."""
        wait = self.lookups.take(request.actor["sub"], time.monotonic())
        return too_many(wait, "de expedientes en los que no actúa") if wait else None


def _refused_by(check):
    """A route decorator that answers ``check(ratelimit, request)``'s 429 instead of running the route."""

    def decorate(fn):
        @functools.wraps(fn)
        def handler(self, request, **path):
            refused = check(self.ratelimit, request)
            if refused is not None:
                return refused
            return fn(self, request, **path)

        return handler

    return decorate


# Refuse a route's request with 429 when its client's bucket is empty (before any validation).
rate_limited = _refused_by(RateLimit.refusal)

# Refuse a signed-in user's look-up with 429 when their own bucket is empty: a lawyer walking case numbers to read
# who the parties are (``LOOKUP_RATE_PER_MINUTE``, 30, with a burst of ``LOOKUP_RATE_BURST``, 20; per user, whatever
# address or session they come from, per gateway replica). Under ``@doc``, which finds the user first.
lookups_limited = _refused_by(RateLimit.lookup_refusal)
