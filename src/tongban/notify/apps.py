from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "tongban.notify"
    label = "notify"
    verbose_name = "消息通知"

    def ready(self):
        from tongban.core.audit import register_action_labels
        from tongban.core.schedule import register_periodic

        from . import tasks

        register_periodic(
            "notify.retry_due", tasks.messages_retry_due_task, every=timedelta(minutes=1)
        )
        register_action_labels({"notify.message.requeue": _("发送失败的消息重新排队")})
