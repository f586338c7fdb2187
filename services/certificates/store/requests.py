"""Requests and payments (``requests``, ``payments``).

A request belongs to one CUI. While it is open (unpaid and unexpired, or paid and being issued) it holds
``open_key`` = its CUI, under a unique index, so two concurrent asks of one citizen make one request. A
payment is a row per bank transaction (``_id`` = ``<bank>:<transaction_id>``): the same transaction sent
twice, or by two connections at once, finds or collides with the first row, and only the first marks the
request paid and enqueues its issuance (``issuance`` work queue, the job's ``_id`` = the request's, so there
is one job per request whatever happens).

The same notice pays any payment order: the reference names it, and ``PAYS_FOR`` says where orders of each
kind live (certificate requests here; the notarial protocol's copies add ``protocol_copy``, and their area's
``order_paid`` says what being paid does to one). The payment row names what it paid, ``pays_for``.
"""
import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.certificates import domain
from services.certificates.errors import payment_refused, reference_not_found, transaction_reused
from services.certificates.store.common import new_id
from services.runtime.mongo import utcnow
from services.runtime.workqueue import WorkQueue

ISSUANCE = "issuance"
CERTIFICATE_REQUEST = "certificate_request"


class Requests:
    indexes = {
        "requests": [IndexModel([("open_key", ASCENDING)], unique=True,
                                partialFilterExpression={"open_key": {"$type": "string"}}),
                     IndexModel([("reference", ASCENDING)], unique=True),
                     IndexModel([("id_number", ASCENDING), ("requested_at", DESCENDING)])],
        "payments": [IndexModel([("request_id", ASCENDING)]), IndexModel([("pays_for.id", ASCENDING)])],
        ISSUANCE: [*WorkQueue.indexes()],
    }

    def issuance_queue(self, policy=None, owner=None):
        return WorkQueue(self.db[ISSUANCE], policy, owner, done_status="done", done_at="done_at")

    def open_request(self, actor, email, amount, currency, expiry_hours):
        """The citizen's open request, or a new one. Returns (request, created)."""
        id_number = actor["id_number"]
        for _ in range(5):
            now = utcnow()
            current = self.db.requests.find_one({"open_key": id_number})
            if current is not None and domain.request_open(current, now):
                return current, False
            if current is not None:  # expired unpaid: it stops being the open one
                self.db.requests.update_one({"_id": current["_id"], "open_key": id_number},
                                            {"$unset": {"open_key": ""}, "$set": {"status": domain.EXPIRED}})
            request = {"_id": new_id(), "id_number": id_number, "open_key": id_number, "sub": actor["sub"],
                       "name": actor.get("name") or "", "email": email, "status": domain.AWAITING_PAYMENT,
                       "reference": domain.new_reference(), "amount": domain.money_text(amount),
                       "currency": currency, "requested_at": now,
                       "expires_at": now + datetime.timedelta(hours=expiry_hours), "paid_at": None,
                       "payment_id": None, "certificate_id": None, "download_code": None}
            try:
                self.db.requests.insert_one(request)
                return request, True
            except DuplicateKeyError:
                continue  # another ask of the same citizen won, or a reference collided: read again
        raise RuntimeError("could not open a request")

    def get_request(self, request_id):
        return self.db.requests.find_one({"_id": request_id})

    # what a payment order pays for: its kind -> the collection of its orders (each with a unique ``reference``,
    # ``amount``, ``currency``, ``expires_at`` and ``paid_at``); other areas add theirs (the protocol's copies)
    PAYS_FOR = {CERTIFICATE_REQUEST: "requests"}

    def payment_order(self, reference, session=None):
        """(kind, order) of the payment order with ``reference``, whatever it pays for; (None, None)."""
        for kind, collection in self.PAYS_FOR.items():
            order = self.db[collection].find_one({"reference": reference}, session=session)
            if order is not None:
                return kind, order
        return None, None

    def record_payment(self, notice, expected_amount, expected_currency):
        """Apply a bank's payment notice once, to the order its reference names (a certificate request or
        another kind of ``PAYS_FOR``). Returns (order, payment row, applied_now); the payment row names what
        it paid (``pays_for: {kind, id}``)."""
        payment_id = f"{notice['bank']}:{notice['transaction_id']}"
        fields = {"bank": notice["bank"], "transaction_id": notice["transaction_id"],
                  "reference": notice["reference"], "amount": notice["amount"], "currency": notice["currency"]}

        def work(tx):
            now = utcnow()
            previous = self.db.payments.find_one({"_id": payment_id}, session=tx.session)
            if previous is not None:
                if any(previous[key] != value for key, value in fields.items()):
                    raise transaction_reused(notice["transaction_id"])
                pays_for = previous.get("pays_for") or {"kind": CERTIFICATE_REQUEST, "id": previous["request_id"]}
                order = self.db[self.PAYS_FOR[pays_for["kind"]]].find_one({"_id": pays_for["id"]}, session=tx.session)
                return order, previous, False
            kind, order = self.payment_order(notice["reference"], tx.session)
            if order is None:
                raise reference_not_found(notice["reference"])
            if kind == CERTIFICATE_REQUEST:
                problem = domain.payment_problem(order, notice["amount"], notice["currency"], expected_amount,
                                                 expected_currency, now)
            else:  # an order that carries its own amount (a copy's fee depends on its pages)
                problem = domain.payment_problem(
                    {"status": domain.PAID if order.get("paid_at") else domain.AWAITING_PAYMENT,
                     "expires_at": order["expires_at"]},
                    notice["amount"], notice["currency"], domain.money(order["amount"]), order["currency"], now)
            if problem is not None:
                raise payment_refused(problem)
            payment = {"_id": payment_id, **fields, "pays_for": {"kind": kind, "id": order["_id"]},
                       "request_id": order["_id"] if kind == CERTIFICATE_REQUEST else None,
                       "paid_at": notice["paid_at"], "recorded_at": now}
            self.db.payments.insert_one(payment, session=tx.session)
            if kind == CERTIFICATE_REQUEST:
                self.db.requests.update_one({"_id": order["_id"], "status": domain.AWAITING_PAYMENT},
                                            {"$set": {"status": domain.PAID, "paid_at": now,
                                                      "payment_id": payment_id}}, session=tx.session)
                # one issuance job per request: its id is the request's
                self.db[ISSUANCE].insert_one(self.issuance_queue().new_job({"request_id": order["_id"]}, now,
                                                                           job_id=order["_id"]), session=tx.session)
                order.update(status=domain.PAID, paid_at=now, payment_id=payment_id)
            else:
                order = self.order_paid(kind, order, payment_id, now, tx)
            return order, payment, True

        return self.transaction(work)
