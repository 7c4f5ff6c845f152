from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

HOURLY = timedelta(hours=1)


class CasesConfig(AppConfig):
    name = "tongban.cases"
    label = "cases"
    verbose_name = _("办件")

    def ready(self):
        from tongban.core.audit import register_action_labels
        from tongban.core.schedule import register_periodic

        from . import checks, tasks  # noqa: F401 (checks register themselves)

        register_periodic(
            "cases.deemed_acceptance_sweep", tasks.deemed_acceptance_sweep_task, every=HOURLY
        )
        register_periodic("cases.overdue_record", tasks.overdue_record_task, every=HOURLY)

        register_action_labels(
            {
                "cases.case.create": _("创建办件草稿"),
                "cases.case.update": _("修改办件草稿"),
                "cases.case.transition": _("办件状态变更"),
                "cases.case.material_add": _("上传办件材料"),
                "cases.case.material_licence": _("电子证照免提交办件材料"),
                "cases.case.material_earlier": _("前序流程已收取的办件材料"),
                "cases.case.material_data": _("通过数据共享获取的办件材料"),
                "cases.case.material_replace": _("草稿中的办件材料被申请人替换"),
                "cases.case.material_verify": _("核验办件材料"),
                "cases.case.correction_notice": _("出具一次性告知书"),
                "cases.case.extend": _("批准延长办理时限"),
                "cases.case.gaps_close": _("容缺材料补齐"),
                "cases.task.decide": _("部门审查决定"),
                "cases.task.verify": _("告知承诺核查"),
                "cases.task.reassign": _("改派审查任务"),
                "cases.case.staff_read": _("工作人员查看办件"),
                "cases.case.material_scan": _("窗口扫描收取材料"),
                "cases.material.staff_download": _("工作人员下载办件材料"),
                "cases.material.licence_staff_read": _("工作人员审查办件时查看电子证照"),
                "cases.appointment.group_create": _("新建预约业务分组"),
                "cases.appointment.slots_publish": _("发布预约时段"),
                "cases.appointment.book": _("网上预约"),
                "cases.appointment.reschedule": _("改约"),
                "cases.appointment.cancel": _("取消预约"),
                "cases.appointment.check_in": _("预约签到取号"),
            }
        )
