"""What every area of the mailbox store shares."""
from services.runtime.mongo import new_id  # noqa: F401 (the areas' ids: one rule for every service)

SOURCE = "mailbox"  # the source of the events the mailbox publishes

