from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from tongban.core.errors import NotFound

from .models import Message

if TYPE_CHECKING:
    from tongban.identity.models import Account


def messages_recent(*, limit: int = 50):
    return list(Message.objects.order_by("-created_at", "-id")[:limit])


def _inbox(account):
    if account.pk is None:
        return Message.objects.none()
    return Message.objects.filter(account=account)


def inbox_for_account(*, account):
    """``account``'s in-site messages, newest first (a queryset, for the page to paginate)."""
    return _inbox(account).order_by("-created_at", "-id")


def inbox_unread_count(*, account) -> int:
    """How many of ``account``'s in-site messages are unread: one COUNT query."""
    return _inbox(account).filter(read_at__isnull=True).count()


def inbox_message(*, account: Account, message_id: int) -> Message:
    """One message of ``account``'s own inbox; another's is 'not found' (not revealed)."""
    message = _inbox(account).filter(pk=message_id).first()
    if message is None:
        raise NotFound("notify.message.not_found", _("消息不存在。"))
    return message
