"""Background work for cases: thin, idempotent wrappers around services. The scheduler
(``tongban.core.schedule``, registered in ``CasesConfig.ready``) enqueues them hourly."""

from django_tasks import task

from . import services


@task()
def deemed_acceptance_sweep_task() -> int:
    return services.cases_deemed_acceptance_sweep()


@task()
def overdue_record_task() -> int:
    return services.cases_overdue_record()
