"""Background work for the registries: thin, idempotent wrappers around services. The scheduler
(``tongban.core.schedule``, registered in ``RegistriesConfig.ready``) enqueues them daily."""

from django_tasks import task

from . import services


@task()
def quality_check_task() -> int:
    return services.registry_quality_check_all()
