"""The 12345 hotline (总客服): one ticket for every consultation, help request, complaint,
report, suggestion and praise, from any channel (phone agent, web, app, Open311, grid patrol),
dispatched by the responsibility list, handled against working-day deadlines, supervised,
replied to and called back."""

from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "tongban.hotline"
    label = "hotline"
    verbose_name = _("12345 热线")

    def ready(self):
        from tongban.core.audit import register_action_labels
        from tongban.core.schedule import register_periodic

        from . import tasks

        register_periodic(
            "hotline.warning_sweep", tasks.warning_sweep_task, every=timedelta(hours=1)
        )
        register_action_labels(
            {
                "hotline.ticket.file": _("登记 12345 工单"),
                "hotline.ticket.seed_year": _("载入一年的合成 12345 工单"),
                "hotline.ticket.transition": _("12345 工单状态变更"),
                "hotline.ticket.supervise": _("12345 工单督办"),
                "hotline.ticket.staff_read": _("工作人员查看 12345 工单"),
                "hotline.ticket.attachment_add": _("12345 工单附件上传"),
                "hotline.ticket.attachment_staff_download": _("工作人员下载 12345 工单附件"),
                "hotline.summary.rebuild": _("重建 12345 统计汇总表"),
                "hotline.hot_issue.raise": _("12345 热点诉求预警"),
                "hotline.responsibility.set": _("修改权责清单"),
                "hotline.responsibility.load": _("导入权责清单"),
                "hotline.open311.client_create": _("新建 Open311 客户端"),
            }
        )
