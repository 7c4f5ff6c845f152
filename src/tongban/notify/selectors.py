from .models import Message


def messages_recent(*, limit: int = 50):
    return list(Message.objects.order_by("-created_at", "-id")[:limit])
