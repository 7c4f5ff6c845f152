from django.contrib import admin

from tongban.core.admin_base import ReadOnlyAdmin

from .models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "channel", "recipient_masked", "subject", "status"]
    list_filter = ["channel", "status"]
    fields = [
        "channel",
        "recipient_masked",
        "subject",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
