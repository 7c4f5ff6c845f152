import os

# In-process by default, so a fresh machine needs no worker; production sets
# TONGBAN_TASK_BACKEND=database and runs `tongban worker`.
_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": _BACKENDS[os.environ.get("TONGBAN_TASK_BACKEND", "immediate")]}}

# Outbox delivery (notify.services): a failed send is retried after 1, 2, 4, 8 … minutes, and
# after the last attempt the message is FAILED and shown to admins.
TONGBAN_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("TONGBAN_NOTIFY_MAX_ATTEMPTS", 5))
TONGBAN_NOTIFY_RETRY_SECONDS = int(os.environ.get("TONGBAN_NOTIFY_RETRY_SECONDS", 60))

# `tongban worker` renews a lease this often / 3; a RUNNING task whose worker's lease expired is
# re-queued (core.leases).
TONGBAN_WORKER_LEASE_SECONDS = float(os.environ.get("TONGBAN_WORKER_LEASE_SECONDS", 60))
