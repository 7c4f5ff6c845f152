import os

# In-process by default, so a fresh machine needs no worker; production sets
# TONGBAN_TASK_BACKEND=database and runs `tongban worker`.
_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {"default": {"BACKEND": _BACKENDS[os.environ.get("TONGBAN_TASK_BACKEND", "immediate")]}}
