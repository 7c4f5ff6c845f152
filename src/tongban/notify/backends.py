"""Delivery backends. A backend's ``deliver(message)`` sends it or raises."""

from django.conf import settings
from django.utils.module_loading import import_string


class OutboxOnlyBackend:
    """Delivers nowhere: the message stays readable in the outbox (demo and tests)."""

    def deliver(self, message) -> None:
        return None


def backend_for(channel: str):
    paths = getattr(settings, "TONGBAN_NOTIFY_BACKENDS", {})
    return import_string(paths.get(channel, "tongban.notify.backends.OutboxOnlyBackend"))()
