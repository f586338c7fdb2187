"""What every area of the filings store shares."""
import uuid

SOURCE = "filings"  # the source of the events the filings service publishes


def new_id():
    return uuid.uuid4().hex
