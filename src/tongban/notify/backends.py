"""Delivery backends. A backend's ``deliver(message)`` sends it or raises."""

from django.conf import settings
from django.utils.module_loading import import_string


class OutboxOnlyBackend:
    """Delivers nowhere: the message stays readable in the outbox (demo and tests)."""

    def deliver(self, message) -> None:
        return None


class SiteInboxBackend:
    """In-site messages are delivered by being stored in the recipient's inbox
    (``message_to_account`` writes them SENT); no gateway is ever asked to carry one."""

    def deliver(self, message) -> None:
        return None


def backend_for(channel: str):
    if channel == "site":  # not configurable: an SMS gateway must never "send" an inbox entry
        return SiteInboxBackend()
    paths = getattr(settings, "TONGBAN_NOTIFY_BACKENDS", {})
    return import_string(paths.get(channel, "tongban.notify.backends.OutboxOnlyBackend"))()
