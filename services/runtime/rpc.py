"""Calling another service: never hang, and say clearly why a call failed.

``call(self.filings.get_case, actor, n, timeout=10)`` returns the result or raises
a ``PortalError``: the callee's own domain error, ``ServiceUnavailable`` (503) when
the service or its database is not there, ``ServiceTimeout`` (504) when it does not
answer within ``timeout`` seconds.

RPC requests and replies are transient, unconfirmed messages published on AMQP
connections each process keeps open (``Outlet``). nameko would publish every
request and reply through a fresh kombu producer with publisher confirms, and
replies as persistent messages, so the broker wrote every reply to disk: a
request or a reply is worth something only to a caller waiting on a live
connection. If the broker loses one, the caller fails with 504 within its
timeout and retries, and every write is made safe by its idempotency key, not
by the broker's disk. A request still waits in its durable queue while the
service restarts, but no longer than its caller waits: ``call`` publishes it with
the broker's per-message TTL (``expiration``) set to its timeout, so a request
whose caller was already answered 504 is dropped unread, never carried out later
behind the user's back (the user was told to try again, and may have).
"""
import inspect
import logging
import socket
import sys
import uuid

import eventlet
import kombu.serialization
from amqp.exceptions import AMQPError
from kombu import Connection
from kombu.exceptions import OperationalError
from nameko.constants import (AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER, LOGIN_METHOD_CONFIG_KEY,
                              SERIALIZER_CONFIG_KEY)
from nameko.exceptions import (IncorrectSignature, MethodNotFound, RemoteError, UnknownService, UnserializableValueError,
                               serialize)
from nameko.messaging import HeaderEncoder, QueueConsumer
from nameko.rpc import ReplyListener, Rpc, RpcConsumer, RpcProxy, RpcReply, get_rpc_exchange

from services.runtime.errors import PortalError, ServiceTimeout, ServiceUnavailable
from services.runtime.mongo import DatabaseUnavailable, database_down

log = logging.getLogger(__name__)

TRANSIENT = 1
# Frames a publish-only connection can be sent: none is expected (no confirms, no returns, no heartbeats),
# so a connection with anything to read (the broker closing it, or gone: EOF) is not used again.
_PEEK = socket.MSG_PEEK | socket.MSG_DONTWAIT


class Outlet:
    """Transient, unconfirmed publishing on AMQP connections kept open, one per concurrent publisher.

    One per process and broker address (``Outlet.of(config)``). A publish takes an idle connection (or
    opens one, declaring the RPC exchange on it), writes the message and puts the connection back. A
    connection the broker closed or dropped is discarded; a publish that fails on a connection that had
    looked healthy is retried once on a new one, then fails with the broker's error (503 for the caller).
    """
    _outlets = {}

    @classmethod
    def of(cls, config):
        key = (config[AMQP_URI_CONFIG_KEY], repr(config.get(AMQP_SSL_CONFIG_KEY)),
               config.get(LOGIN_METHOD_CONFIG_KEY))
        outlet = cls._outlets.get(key)
        if outlet is None:
            outlet = cls._outlets[key] = cls(config)
        return outlet

    def __init__(self, config):
        self.uri = config[AMQP_URI_CONFIG_KEY]
        self.ssl = config.get(AMQP_SSL_CONFIG_KEY)
        self.login_method = config.get(LOGIN_METHOD_CONFIG_KEY)
        self.exchange = get_rpc_exchange(config)
        self.idle = []

    def _connect(self):
        connection = Connection(self.uri, ssl=self.ssl, login_method=self.login_method, heartbeat=0,
                                transport_options={"confirm_publish": False})
        try:
            connection.connect()
            # py-amqp reads the socket before every publish, with a zero timeout that raises socket.timeout
            # each time, in case the broker said "connection.blocked"; the peek of _healthy already finds
            # any frame the broker sent (a blocked or closing connection is then not used again)
            connection.connection.client_properties.get("capabilities", {})["connection.blocked"] = False
            channel = connection.channel()
            self.exchange(channel).declare()
        except BaseException:
            connection.collect()
            raise
        return connection, channel

    @staticmethod
    def _healthy(connection):
        try:
            sock = connection.connection.transport.sock
            raw = getattr(sock, "fd", sock)  # eventlet's green socket wraps the real one
            raw.recv(1, _PEEK)
        except BlockingIOError:
            return True  # nothing to read: open and quiet
        except (ValueError, NotImplementedError):
            return True  # TLS sockets cannot peek; a failed write still discards them
        except (OSError, AttributeError):
            return False
        return False  # EOF or an unexpected frame (the broker closing the connection)

    def _take(self):
        while self.idle:
            connection, channel = self.idle.pop()
            if self._healthy(connection):
                return connection, channel, True
            connection.collect()
        return (*self._connect(), False)

    def publish(self, body, content_type, content_encoding, routing_key, headers, **properties):
        properties["delivery_mode"] = TRANSIENT
        for attempt in (1, 2):
            connection, channel, reused = self._take()
            try:
                message = channel.prepare_message(body, 0, content_type, content_encoding, headers, properties)
                channel.basic_publish(message, exchange=self.exchange.name, routing_key=routing_key)
            except (OSError, OperationalError, *connection.connection_errors, *connection.channel_errors):
                connection.collect()
                if attempt == 2 or not reused:
                    raise
                continue
            except BaseException:
                connection.collect()
                raise
            self.idle.append((connection, channel))
            return


class InlineQueueConsumer(QueueConsumer):
    """Hands each request to its entrypoint in the consuming greenthread, which starts the worker.
    nameko started a greenthread per message only to start the worker's; the broker delivers at most
    ``max_workers`` unacknowledged requests (the prefetch), so starting a worker never waits here."""

    def handle_message(self, provider, body, message):
        provider.handle_message(body, message)


class PortalRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, except that a reply goes out through the ``Outlet``, serialized once,
    requests are handed over without a greenthread each, and a method is found by a dictionary."""

    queue_consumer = InlineQueueConsumer()

    def get_provider_for_method(self, routing_key):
        methods = self.__dict__.get("_methods")
        if methods is None or len(methods) != len(self._providers):
            service_name = self.container.service_name
            methods = self._methods = {f"{service_name}.{p.method_name}": p for p in self._providers}
        provider = methods.get(routing_key)
        if provider is None or provider not in self._providers:
            raise MethodNotFound(routing_key.split(".")[-1])
        return provider

    def handle_result(self, message, result, exc_info):
        content_type = message.properties["content_type"]  # answer in the encoding of the request
        serializer = kombu.serialization.registry.type_to_name[content_type]
        error = None
        if exc_info is not None:  # a database that is down is said so, whatever pymongo raised about it
            error = serialize_error(DatabaseUnavailable(str(exc_info[1])) if database_down(exc_info[1])
                                    else exc_info[1])
        try:
            content_type, encoding, body = kombu.serialization.dumps({"result": result, "error": error}, serializer)
        except Exception:
            exc_info = sys.exc_info()
            result, error = None, serialize(UnserializableValueError(result))
            content_type, encoding, body = kombu.serialization.dumps({"result": None, "error": error}, serializer)
        try:
            Outlet.of(self.container.config).publish(body, content_type, encoding, message.properties["reply_to"], {},
                                                     correlation_id=message.properties.get("correlation_id"))
        except (OSError, OperationalError, AMQPError) as exc:
            # The broker is away (restarting, failing over): this reply is lost, as a reply the broker drops is, and
            # its caller gets its 504 (``call``'s timeout) and tries again. Raised from here, the error would end
            # the worker's greenthread with it, and nameko stops the whole service on that: a broker restart
            # during any call in progress (a long poll is always in progress) left the service down for good.
            log.warning("rpc reply not sent: broker unreachable",
                        extra={"method": message.delivery_info.get("routing_key"), "error": repr(exc)})
        self.queue_consumer.ack_message(message)  # a no-op once the connection it came on is gone
        return result, exc_info


def _plain(value):
    """``value`` as data that crosses the broker: numbers, booleans, None, text, lists and mappings as they are,
    anything else as its text (an integer msgpack cannot pack, beyond 64 bits, too: never a 500 for a detail)."""
    if isinstance(value, int) and not isinstance(value, bool) and not -2 ** 63 <= value < 2 ** 64:
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    return str(value)


def serialize_error(exc):
    """nameko's ``serialize``, except that a portal error's arguments (code, message, details, status) cross as
    the data they are: nameko makes text of every value, so an error's details reached the client with 1000 as
    "1000", null as "None" and true as "True"."""
    data = serialize(exc)
    if isinstance(exc, PortalError):
        data["exc_args"] = [_plain(arg) for arg in exc.args]
    return data


class PortalRpc(Rpc):
    rpc_consumer = PortalRpcConsumer()

    def check_signature(self, args, kwargs):
        """As nameko's (a call whose arguments do not fit the method is refused before a worker starts),
        with the method's signature read once instead of ``inspect.getcallargs`` on every call."""
        signature = self.__dict__.get("_signature")
        if signature is None:
            signature = self._signature = inspect.signature(getattr(self.container.service_cls, self.method_name))
        try:
            signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise IncorrectSignature(str(exc))


# ``@rpc`` for our services: a PortalError is an expected answer (logged as a warning, not an error)
rpc = PortalRpc.decorator(expected_exceptions=(PortalError,))


class MethodProxy(HeaderEncoder):
    """``service.method``: ``call_async(*args, **kwargs)`` publishes the request and returns the reply."""

    def __init__(self, worker_ctx, service_name, method_name, reply_listener):
        self.worker_ctx = worker_ctx
        self.service_name = service_name
        self.method_name = method_name
        self.reply_listener = reply_listener

    def __call__(self, *args, **kwargs):
        return self.call_async(*args, **kwargs).result()

    def call_async(self, *args, **kwargs):
        return self.request(args, kwargs)

    def request(self, args, kwargs, expires_in=None):
        """Publish the request (dropped by the broker unread after ``expires_in`` seconds, if given) and return
        the pending reply."""
        config = self.worker_ctx.container.config
        content_type, encoding, body = kombu.serialization.dumps(
            {"args": args, "kwargs": kwargs}, config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER))
        correlation_id = str(uuid.uuid4())
        reply = PendingReply(self.reply_listener, correlation_id)
        try:
            expiry = {} if expires_in is None else {"expiration": str(max(1, int(expires_in * 1000)))}
            Outlet.of(config).publish(body, content_type, encoding, f"{self.service_name}.{self.method_name}",
                                      self.get_message_headers(self.worker_ctx),
                                      reply_to=self.reply_listener.routing_key, correlation_id=correlation_id,
                                      **expiry)
        except BaseException:
            reply.forget()
            raise
        return reply

    def __repr__(self):
        return f"<proxy method: {self.service_name}.{self.method_name}>"


class PendingReply(RpcReply):
    """A reply awaited; ``forget()`` when the caller stops waiting, so the listener keeps no event for it."""

    def __init__(self, reply_listener, correlation_id):
        super().__init__(reply_listener.get_reply_event(correlation_id))
        self.reply_listener = reply_listener
        self.correlation_id = correlation_id

    def forget(self):
        self.reply_listener._reply_events.pop(self.correlation_id, None)


class ServiceProxy:
    def __init__(self, worker_ctx, service_name, reply_listener):
        self.worker_ctx = worker_ctx
        self.service_name = service_name
        self.reply_listener = reply_listener

    def __getattr__(self, name):
        return MethodProxy(self.worker_ctx, self.service_name, name, self.reply_listener)


class ReplyQueueConsumer(QueueConsumer):
    """Consumes RPC replies without acknowledgements, handing each to its caller in the consuming
    greenthread. nameko acknowledged every reply and started a greenthread for it; a reply is worth
    something only to a caller waiting on this live connection (see the module's text), and a reply
    the broker drops makes that caller fail at its timeout either way."""

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            self._consumers[provider] = consumer_cls(queues=[provider.queue], callbacks=[provider.handle_message],
                                                     accept=self.accept, no_ack=True)
        return self._consumers.values()


class PortalReplyListener(ReplyListener):
    queue_consumer = ReplyQueueConsumer()

    def setup(self):
        super().setup()
        # A classic queue whatever the virtual host's default type: a broker whose vhost makes every queue declared
        # without a type a quorum queue (the cluster's, deploy/k8s) would otherwise replicate each process's reply
        # queue on three nodes, a Raft group per process and a replicated write per reply, for replies worthless
        # once their caller stopped waiting.
        self.queue.queue_arguments = {**(self.queue.queue_arguments or {}), "x-queue-type": "classic"}

    def handle_message(self, body, message):
        waiting = self._reply_events.pop(message.properties.get("correlation_id"), None)
        if waiting is not None:  # else the caller gave up (timeout) and forgot it
            waiting.send(body)


class PortalRpcProxy(RpcProxy):
    rpc_reply_listener = PortalReplyListener()

    def get_dependency(self, worker_ctx):
        return ServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener)


def proxy(service_name):
    """A proxy to another service's RPC methods; requests are transient messages (see the module's text).

    A request to a service whose queue was never declared is not returned by the broker (no confirms):
    the caller gets 504 at its timeout, as for a service that is down.
    """
    return PortalRpcProxy(service_name)


def call(method_proxy, *args, timeout, **kwargs):
    service = getattr(method_proxy, "service_name", "servicio")
    reply = None
    try:
        with eventlet.Timeout(timeout):
            if isinstance(method_proxy, MethodProxy):  # not read after the caller stops waiting (module text)
                reply = method_proxy.request(args, kwargs, expires_in=timeout)
            else:
                reply = method_proxy.call_async(*args, **kwargs)
            return reply.result()
    except eventlet.Timeout:
        log.warning("rpc timeout", extra={"service": service, "method": getattr(method_proxy, "method_name", None)})
        if isinstance(reply, PendingReply):
            reply.forget()
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
        if exc.exc_type == DatabaseUnavailable.__name__:  # the service classed it (``mongo.database_down``)
            raise ServiceUnavailable("database_unavailable",
                                     "El servicio no puede acceder a su base de datos. Intente de nuevo en unos momentos.",
                                     {"service": service})
        raise
