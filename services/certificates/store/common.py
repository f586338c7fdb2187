"""What every area of the certificates store shares."""
import uuid

SOURCE = "certificates"  # the source of the events the certificates service publishes


def new_id() -> str:
    return uuid.uuid4().hex
