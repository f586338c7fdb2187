"""What every area of the mailbox store shares."""
import uuid

SOURCE = "mailbox"  # the source of the events the mailbox publishes


def new_id() -> str:
    return uuid.uuid4().hex
