"""Calling another service: never hang, and say clearly why a call failed.

``call(self.filings.get_case, actor, n, timeout=10)`` returns the result or raises
a ``PortalError``: the callee's own domain error, ``ServiceUnavailable`` (503) when
the service or its database is not there, ``ServiceTimeout`` (504) when it does not
answer within ``timeout`` seconds.
"""
import logging
import socket

import eventlet
from kombu.exceptions import OperationalError
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import Rpc, RpcProxy

from services.runtime.errors import PortalError, ServiceTimeout, ServiceUnavailable

log = logging.getLogger(__name__)

# ``@rpc`` for our services: a PortalError is an expected answer (logged as a warning, not an error)
rpc = Rpc.decorator(expected_exceptions=(PortalError,))

TRANSIENT = 1


def proxy(service_name):
    """An RPC proxy whose requests are transient messages.

    A request is worth nothing once its caller has stopped waiting, and writes
    are made safe by idempotency keys, not by the broker's disk: persisting
    every request (a 1 MB document, say) only costs the broker a disk write. A
    request still waits in its durable queue while the service restarts.
    """
    return RpcProxy(service_name, delivery_mode=TRANSIENT)

DATABASE_DOWN = {"ServerSelectionTimeoutError", "AutoReconnect", "NetworkTimeout", "ConnectionFailure",
                 "NotPrimaryError", "ExecutionTimeout", "WTimeoutError"}


def call(method_proxy, *args, timeout, **kwargs):
    service = getattr(method_proxy, "service_name", "servicio")
    try:
        with eventlet.Timeout(timeout):
            reply = method_proxy.call_async(*args, **kwargs)
            return reply.result()
    except eventlet.Timeout:
        log.warning("rpc timeout", extra={"service": service, "method": getattr(method_proxy, "method_name", None)})
        raise ServiceTimeout("service_timeout", "El servicio no respondió a tiempo. Intente de nuevo.",
                             {"service": service})
    except UnknownService:
        raise ServiceUnavailable("service_unavailable", "El servicio no está disponible en este momento.",
                                 {"service": service})
    except (OperationalError, socket.error, ConnectionError) as exc:
        log.error("broker unavailable", extra={"error": repr(exc)})
        raise ServiceUnavailable("broker_unavailable", "La mensajería interna no está disponible.",
                                 {"service": service})
    except PortalError:
        raise
    except RemoteError as exc:
        if exc.exc_type in DATABASE_DOWN:
            raise ServiceUnavailable("database_unavailable",
                                     "El servicio no puede acceder a su base de datos. Intente de nuevo en unos momentos.",
                                     {"service": service})
        raise
