from django.contrib import admin

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
