from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicencesConfig(AppConfig):
    name = "tongban.licences"
    label = "licences"
    verbose_name = _("电子证照")

    def ready(self):
        from tongban.core.audit import register_action_labels
        from tongban.core.schedule import register_periodic

        from . import tasks

        register_periodic(
            "licences.expiry_remind", tasks.expiry_remind_task, every=timedelta(days=1)
        )

        register_action_labels(
            {
                "licences.type.load": _("载入证照目录"),
                "licences.type.result_items": _("指定产生证照的事项"),
                "licences.licence.supersede": _("电子证照被替换"),
                "licences.licence.issue": _("颁发电子证照"),
                "licences.licence.import": _("批量导入电子证照"),
                "licences.licence.renew": _("换发电子证照"),
                "licences.licence.change": _("变更电子证照"),
                "licences.licence.suspend": _("暂停使用电子证照"),
                "licences.licence.restore": _("恢复使用电子证照"),
                "licences.licence.revoke": _("撤销电子证照"),
                "licences.licence.staff_read": _("工作人员查看电子证照"),
                "licences.licence.remind": _("电子证照到期提醒"),
                "licences.type.renewal_item": _("指定证照的延续事项"),
                "licences.share.create": _("授权他人查看电子证照"),
                "licences.share.revoke": _("撤回电子证照授权"),
                "licences.share.use": _("他人通过授权链接查看电子证照"),
            }
        )
