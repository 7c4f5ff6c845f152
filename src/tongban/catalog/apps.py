from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "tongban.catalog"
    label = "catalog"
    verbose_name = _("事项目录")

    def ready(self):
        from tongban.core.audit import register_action_labels

        register_action_labels(
            {
                "catalog.item.create": _("新建事项"),
                "catalog.version.draft": _("起草事项版本"),
                "catalog.version.update": _("修改事项草稿"),
                "catalog.version.submit": _("提交事项审核"),
                "catalog.version.reject": _("退回事项草稿"),
                "catalog.version.publish": _("发布事项"),
                "catalog.import": _("导入事项"),
                "catalog.theme.save": _("保存主题服务"),
            }
        )
