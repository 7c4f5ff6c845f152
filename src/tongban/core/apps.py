from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class CoreConfig(AppConfig):
    name = "tongban.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self):
        from . import checks  # noqa: F401
        from .cache import cache_table_create

        post_migrate.connect(cache_table_create, sender=self)
        from .models import CalendarDay, CalendarYear
        from .workdays import calendar_changed

        for model in (CalendarDay, CalendarYear):
            post_save.connect(calendar_changed, sender=model, dispatch_uid=f"calendar.{model}")
            post_delete.connect(calendar_changed, sender=model, dispatch_uid=f"calendar-.{model}")
