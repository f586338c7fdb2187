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
from nameko.amqp.publish import Publisher
from nameko.constants import (AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER, LOGIN_METHOD_CONFIG_KEY,
                              SERIALIZER_CONFIG_KEY)
from nameko.rpc import Responder, Rpc, RpcConsumer, RpcProxy, get_rpc_exchange

from services.runtime.errors import PortalError, ServiceTimeout, ServiceUnavailable

log = logging.getLogger(__name__)

TRANSIENT = 1


class TransientReplyPublisher(Publisher):
    delivery_mode = TRANSIENT
    use_confirms = False


class TransientResponder(Responder):
    publisher_cls = TransientReplyPublisher


class PortalRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, except that replies are transient, unconfirmed messages.

    nameko publishes replies as persistent messages to durable reply queues, with
    publisher confirms, so the broker writes every reply to disk (a case file, a
    20 MB document) for a caller that is waiting on a live connection. A reply is
    worth something only to that caller: if the broker loses it, the caller fails
    with 504 within its timeout and retries, and writes are idempotent.
    """

    def handle_result(self, message, result, exc_info):
        config = self.container.config
        responder = TransientResponder(
            config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class PortalRpc(Rpc):
    rpc_consumer = PortalRpcConsumer()


# ``@rpc`` for our services: a PortalError is an expected answer (logged as a warning, not an error)
rpc = PortalRpc.decorator(expected_exceptions=(PortalError,))


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
