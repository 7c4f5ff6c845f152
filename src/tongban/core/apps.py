from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "tongban.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self):
        from . import checks  # noqa: F401
        from .cache import cache_table_create

        post_migrate.connect(cache_table_create, sender=self)
