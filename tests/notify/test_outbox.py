import pytest

from tongban.notify import services
from tongban.notify.models import MessageStatus


@pytest.mark.django_db(transaction=True)
def test_a_queued_message_is_delivered_after_commit_and_sealed_at_rest():
    message = services.message_queue(
        channel="sms", recipient="13800001234", recipient_masked="138****1234", body="您好"
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT body, recipient FROM notify_message WHERE id = %s", [message.pk])
        body, recipient = cursor.fetchone()
    assert "您好" not in body and "13800001234" not in recipient


@pytest.mark.django_db(transaction=True)
def test_delivery_is_idempotent():
    message = services.message_queue(
        channel="sms", recipient="13800001234", recipient_masked="138****1234", body="您好"
    )
    services.message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.attempts == 1
