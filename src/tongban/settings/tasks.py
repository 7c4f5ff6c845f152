import os

from django.core.exceptions import ImproperlyConfigured

from .base import INSTALLED_APPS
from .cache import REDIS_URL

# In-process by default, so a fresh machine needs no worker; production sets
# TONGBAN_TASK_BACKEND=database (the queue is a table) or rq (the queue is in Redis at
# REDIS_URL) and runs `tongban worker`.
_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
}
TONGBAN_TASK_BACKEND = os.environ.get("TONGBAN_TASK_BACKEND", "immediate")
if TONGBAN_TASK_BACKEND not in _BACKENDS:
    raise ImproperlyConfigured(
        f"TONGBAN_TASK_BACKEND must be one of {', '.join(_BACKENDS)}, not {TONGBAN_TASK_BACKEND!r}"
    )
TASKS = {"default": {"BACKEND": _BACKENDS[TONGBAN_TASK_BACKEND]}}

# A task running longer than this on an rq worker is stopped (and failed) by the worker.
TONGBAN_TASK_TIMEOUT_SECONDS = int(os.environ.get("TONGBAN_TASK_TIMEOUT_SECONDS", 600))
if TONGBAN_TASK_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TONGBAN_TASK_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS.append("django_rq")
    TASKS["default"]["QUEUES"] = ["default"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": TONGBAN_TASK_TIMEOUT_SECONDS}}

# Outbox delivery (notify.services): a failed send is retried after 1, 2, 4, 8 … minutes, and
# after the last attempt the message is FAILED and shown to admins.
TONGBAN_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("TONGBAN_NOTIFY_MAX_ATTEMPTS", 5))
TONGBAN_NOTIFY_RETRY_SECONDS = int(os.environ.get("TONGBAN_NOTIFY_RETRY_SECONDS", 60))

# `tongban worker` renews a lease this often / 3; a running task whose worker's lease expired is
# re-queued (core.leases), on either queue.
TONGBAN_WORKER_LEASE_SECONDS = float(os.environ.get("TONGBAN_WORKER_LEASE_SECONDS", 60))
