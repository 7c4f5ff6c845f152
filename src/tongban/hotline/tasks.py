"""Background work for the hotline: thin, idempotent wrappers around services. The scheduler
(``tongban.core.schedule``, registered in ``HotlineConfig.ready``) enqueues them hourly."""

from django_tasks import task

from . import services


@task()
def warning_sweep_task() -> int:
    return services.tickets_warning_sweep()
