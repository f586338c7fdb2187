"""What every area of the certificates store shares."""
from services.runtime.mongo import new_id  # noqa: F401 (the areas' ids: one rule for every service)

SOURCE = "certificates"  # the source of the events the certificates service publishes

