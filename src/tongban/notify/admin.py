from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tongban.core.admin_base import ReadOnlyAdmin

from . import services
from .models import Message


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The outbox. The status filter counts the messages in each state (发送失败 are those whose
    attempts ran out); a platform admin re-queues them with the action once the gateway works."""

    list_display = [
        "created_at",
        "channel",
        "recipient_masked",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
    ]
    list_filter = ["status", "channel"]
    show_facets = admin.ShowFacets.ALWAYS
    fields = [
        "channel",
        "recipient_masked",
        "subject",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["requeue"]

    def has_requeue_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("重新发送所选的发送失败消息"), permissions=["requeue"])
    def requeue(self, request, queryset):
        count = sum(
            services.message_requeue(actor=request.user, message_id=pk)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext("%(count)d 条消息已重新排队。", "%(count)d 条消息已重新排队。", count)
            % {"count": count},
            messages.SUCCESS,
        )
