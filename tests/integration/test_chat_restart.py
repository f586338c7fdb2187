"""The chat service killed (SIGKILL) while WhatsApp posts webhooks: a 200 means the payload is in MongoDB, so
every message that got a 200 is there afterwards, once; what failed meanwhile is retried by the sender, as
Meta does, and kept once too."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import whatsapp as wa

pytestmark = pytest.mark.stack

LINE = wa.LINES[0]
MESSAGES = 1000
CONTACTS = 10


def test_every_message_that_got_a_200_is_kept_once_across_a_crash(stack):
    sender = wa.WebhookSender(stack.url, retries=12, pause=0.25)
    wa_ids = [wa.new_wa_id() for _ in range(CONTACTS)]
    wamids = [wa.new_wamid() for _ in range(MESSAGES)]
    sender_of = {wamid: wa_ids[i % CONTACTS] for i, wamid in enumerate(wamids)}
    answered = {}
    sent = threading.Event()
    progress = {"count": 0}
    lock = threading.Lock()

    def post(wamid):
        response = sender.send(wa.text_payload(LINE, sender_of[wamid], f"Mensaje {wamid}", wamid=wamid))
        with lock:
            answered[wamid] = response.status_code if response is not None else None
            progress["count"] += 1
            if progress["count"] >= MESSAGES // 3:
                sent.set()

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(post, wamid) for wamid in wamids]
        assert sent.wait(60), "the sender never got going"
        started = time.monotonic()
        stack.restart("chat", kill=True)  # SIGKILL in the middle of the stream, then started again
        print(f"\nchat restarted in {time.monotonic() - started:.1f} s")
        for future in futures:
            future.result()
    accepted = [wamid for wamid, status in answered.items() if status == 200]
    assert len(accepted) == MESSAGES, {s for s in answered.values() if s != 200}
    print(f"all {MESSAGES} answered 200 after {time.monotonic() - started:.1f} s")
    messages = stack.db("chat").messages
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and messages.count_documents({"wa_id": {"$in": wa_ids}}) < MESSAGES:
        time.sleep(0.2)
    time.sleep(1)
    kept = list(messages.find({"wa_id": {"$in": wa_ids}}, {"wamid": 1, "wa_id": 1}))
    assert len(kept) == MESSAGES
    assert sorted(m["wamid"] for m in kept) == sorted(accepted)  # each once
    assert all(m["wa_id"] == sender_of[m["wamid"]] for m in kept)
    for wa_id in wa_ids:  # one conversation each, though several appliers were at work
        assert stack.db("chat").conversations.count_documents({"wa_id": wa_id}) == 1
