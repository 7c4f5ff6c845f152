from datetime import timedelta

from django.apps import AppConfig


class NodesTestConfig(AppConfig):
    name = "tests.nodes"
    label = "nodes_test"

    def ready(self):
        from tongban.core.schedule import register_periodic

        from .tasks import tick_task

        register_periodic("test.tick", tick_task, every=timedelta(hours=1))
