from django.db import transaction
from django.utils import timezone

from .backends import backend_for
from .models import Channel, Message, MessageStatus


def message_queue(
    *, channel: str, recipient: str, recipient_masked: str, body: str, subject: str = ""
) -> Message:
    """Write a message to the outbox; it is delivered after the caller's transaction commits."""
    message = Message.objects.create(
        channel=Channel(channel),
        recipient=recipient,
        recipient_masked=recipient_masked,
        subject=subject,
        body=body,
    )
    from .tasks import message_deliver_task

    transaction.on_commit(lambda: message_deliver_task.enqueue(message_id=message.pk))
    return message


def message_deliver(*, message_id: int) -> None:
    """Idempotent: a message already sent is left alone."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status == MessageStatus.SENT:
            return
        message.attempts += 1
        try:
            backend_for(message.channel).deliver(message)
        except Exception:
            message.status = MessageStatus.FAILED
            message.save(update_fields=["attempts", "status"])
            raise
        message.status, message.sent_at = MessageStatus.SENT, timezone.now()
        message.save(update_fields=["attempts", "status", "sent_at"])
