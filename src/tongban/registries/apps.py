from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistriesConfig(AppConfig):
    name = "tongban.registries"
    label = "registries"
    verbose_name = _("基础库")

    def ready(self):
        from tongban.core.audit import register_action_labels
        from tongban.core.schedule import register_periodic

        from . import tasks

        register_periodic(
            "registries.quality_check", tasks.quality_check_task, every=timedelta(days=1)
        )

        register_action_labels(
            {
                "registries.person.upsert": _("登记或更新人口信息"),
                "registries.entity.upsert": _("登记或更新法人信息"),
                "registries.entity.status": _("变更法人登记状态"),
                "registries.bulk_load": _("批量载入基础库"),
                "registries.quality_check": _("基础库数据质量检查"),
                "registries.correction.report": _("申请人更正预填的基础库数据"),
            }
        )
