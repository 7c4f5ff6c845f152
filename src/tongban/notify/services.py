"""The outbox: messages are written in the caller's transaction and delivered by a task after it
commits. Delivery is safe to run twice (a reclaimed or repeated task sends nothing more): it
works under the message's row lock and only on a message that is still due. A backend error is
recorded with the attempt (the error is caught, so the record commits), retried with exponential
backoff by the ``notify.retry_due`` job, and after ``TONGBAN_NOTIFY_MAX_ATTEMPTS`` the message is
FAILED, listed for admins, who may re-queue it.

``message_queue`` joins the caller's transaction (that is the point of an outbox); so does its
batch form ``messages_queue``, which writes several messages (outbox and inbox alike) in one
INSERT. The others are top-level and open durable transactions: one per delivery attempt, one
per claimed retry, and the admin's re-queue, whose audit entry is appended through
``core.audit.audited_block``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeGuard

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.core.audit import audit_record, audited_block

from .backends import backend_for
from .choices import Channel, MessageStatus
from .models import Message

if TYPE_CHECKING:
    from tongban.identity.models import Account

log = logging.getLogger(__name__)
ERROR_LENGTH = 500


def _enqueue_after_commit(message_id: int) -> None:
    from .tasks import message_deliver_task

    transaction.on_commit(lambda: message_deliver_task.enqueue(message_id=message_id))


def message_for_outbox(
    *, channel: str, recipient: str, recipient_masked: str, body: str, subject: str = ""
) -> Message:
    """A message for the outbox, not yet written (``messages_queue`` writes it)."""
    return Message(
        channel=Channel(channel),
        recipient=recipient,
        recipient_masked=recipient_masked,
        subject=subject,
        body=body,
    )


def message_for_inbox(
    *, account_id: int | None, body: str, subject: str = "", link: str = ""
) -> Message:
    """An in-site message (站内信) for the inbox of the account ``account_id``, not yet written.
    Storing it is its delivery: it is SENT at once and no task is queued for it. ``link`` is a
    site path the message is about (its case page), shown with it."""
    now = timezone.now()
    return Message(
        channel=Channel.SITE,
        account_id=account_id,
        recipient=str(account_id),
        recipient_masked=f"#{account_id}",
        subject=subject[:200],
        body=body,
        link=link[:200],
        status=MessageStatus.SENT,
        sent_at=now,
        created_at=now,
    )


def messages_queue(messages: list[Message]) -> list[Message]:
    """Write ``messages`` (``message_for_outbox``, ``message_for_inbox``) in the caller's
    transaction, in one INSERT; each outbox message is delivered after the transaction commits."""
    Message.objects.bulk_create(messages)
    for message in messages:
        if message.status == MessageStatus.QUEUED:
            _enqueue_after_commit(message.pk)
    return messages


def message_queue(
    *, channel: str, recipient: str, recipient_masked: str, body: str, subject: str = ""
) -> Message:
    """Write a message to the outbox; it is delivered after the caller's transaction commits."""
    message = message_for_outbox(
        channel=channel,
        recipient=recipient,
        recipient_masked=recipient_masked,
        body=body,
        subject=subject,
    )
    return messages_queue([message])[0]


def _due(message: Message | None, now: datetime) -> TypeGuard[Message]:
    return (
        message is not None
        and message.status == MessageStatus.QUEUED
        and (message.next_attempt_at is None or message.next_attempt_at <= now)
    )


def _record_failure(message: Message, error: Exception, now: datetime) -> None:
    message.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    if message.attempts >= settings.TONGBAN_NOTIFY_MAX_ATTEMPTS:
        message.status, message.next_attempt_at = MessageStatus.FAILED, None
    else:
        backoff = settings.TONGBAN_NOTIFY_RETRY_SECONDS * 2 ** (message.attempts - 1)
        message.next_attempt_at = now + timedelta(seconds=backoff)
    message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    log.warning("message %s: attempt %s failed: %s", message.pk, message.attempts, error)


def message_deliver(*, message_id: int) -> None:
    """One attempt, if the message is still due; a second run of the same task sends nothing."""
    now = timezone.now()
    with audited_block(durable=True):
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if not _due(message, now):
            return
        message.attempts += 1
        try:
            with transaction.atomic():  # a backend's own database error rolls back only itself
                backend_for(message.channel).deliver(message)
        except Exception as error:  # any gateway error: recorded and retried, never lost
            _record_failure(message, error, now)
            return
        message.status, message.sent_at, message.next_attempt_at = MessageStatus.SENT, now, None
        message.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])


def messages_retry_due(*, now: datetime | None = None) -> int:
    """Enqueue one delivery for each message whose retry time has come. Clearing the retry time
    claims the message, so a message is enqueued once however many schedulers run."""
    now = now or timezone.now()
    due = Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
    enqueued = 0
    for message_id in due.values_list("pk", flat=True)[:1000]:
        with audited_block(durable=True):
            if due.filter(pk=message_id).update(next_attempt_at=None):
                _enqueue_after_commit(message_id)
                enqueued += 1
    return enqueued


def message_requeue(*, actor, message_id: int) -> bool:
    """An admin sends a FAILED message again, with a fresh set of attempts (audit-logged).
    Returns False, changing nothing, for a message that has not failed."""
    with audited_block(durable=True):
        return _requeue(actor=actor, message_id=message_id)


def _requeue(*, actor, message_id: int) -> bool:
    requeued = Message.objects.filter(pk=message_id, status=MessageStatus.FAILED).update(
        status=MessageStatus.QUEUED, attempts=0, next_attempt_at=None
    )
    if requeued:
        audit_record(
            action="notify.message.requeue",
            actor=actor,
            target_type="notify.message",
            target_id=message_id,
        )
        _enqueue_after_commit(message_id)
    return bool(requeued)


def message_to_account(
    *, account=None, account_id: int | None = None, body: str, subject: str = "", link: str = ""
) -> Message:
    """An in-site message into ``account``'s inbox (or the account ``account_id``'s, when the
    caller has only its id: no need to read it), in the caller's transaction
    (``message_for_inbox``)."""
    account_id = account.pk if account is not None else account_id
    message = message_for_inbox(account_id=account_id, body=body, subject=subject, link=link)
    return messages_queue([message])[0]


def inbox_message_open(*, account: Account, message_id: int) -> Message:
    """One message of ``account``'s own inbox, marked read the first time it is opened; anyone
    else's (or an id that is no inbox message) is 'not found'."""
    from .selectors import inbox_message

    message = inbox_message(account=account, message_id=message_id)
    if message.read_at is None:
        message.read_at = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message


def inbox_mark_all_read(*, account) -> int:
    """Every unread message of ``account``'s inbox marked read now; returns how many."""
    return Message.objects.filter(account=account, read_at__isnull=True).update(
        read_at=timezone.now()
    )
