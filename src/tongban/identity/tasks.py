"""Background work for identity: thin, idempotent wrappers around services. The scheduler
(``tongban.core.schedule``, registered in ``IdentityConfig.ready``) enqueues them hourly."""

from django_tasks import task

from . import services


@task()
def throttle_purge_task() -> int:
    return services.identity_throttle_purge()
