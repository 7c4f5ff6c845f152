"""`tongban`: the demo, the production server, the worker, seeding, and every Django command.

tongban demo [--port N]     migrate + seed an embedded SQLite city under ./var, serve it
tongban serve [--bind ADDR] [--workers N]   production WSGI server (gunicorn, sync workers)
tongban worker              run background tasks (database or rq task backend) and the scheduler
tongban scheduler [--once]  enqueue periodic jobs when due (deadline sweeps), e.g. from cron
tongban seed [--scale N] [--seed S]   demo data (idempotent); N registry persons, N/5 entities
tongban audit verify        check the audit log's hash chain
tongban licences list|import FILE|export ID --staff USERNAME   e-licences (电子证照)
tongban credentials rotate-key DEPT | keyset DEPT   a department's signing keys
tongban report materials    the overall materials-eliminated rates (免提交率)
tongban licences verify FILE|- [--keys KEYSET.json]   verify a credential; exit 0 only if valid
tongban exchange verify-receipt FILE|- --keys JWKS.json   verify an exchange receipt offline
tongban <django command>    e.g. migrate, shell, createsuperuser
"""

import argparse
import os
import sys


def _django(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tongban", *argv])


def demo(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="tongban demo")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="set up and seed, then exit")
    args = parser.parse_args(argv)
    os.environ.setdefault("TONGBAN_DEMO", "1")
    os.environ.setdefault("TONGBAN_SEARCH_WARM", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from tongban.demo.seed import DEMO_TICKETS

    call_command("seed", tickets=DEMO_TICKETS)
    print(_demo_banner(args.port), flush=True)
    if not args.no_serve:
        _start_scheduler()
        call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False)


def _demo_banner(port: int) -> str:
    from tongban.demo.seed import DEMO_LOGINS

    lines = [
        f"\n一网通办 Tongban demo: http://127.0.0.1:{port}/",
        "Demo logins (password for all: Tongban2026):",
    ]
    lines += [f"  {who:<28} {how}" for who, how in DEMO_LOGINS]
    lines.append(f"  SMS outbox (one-time codes):  http://127.0.0.1:{port}/demo/outbox/\n")
    return "\n".join(lines)


def serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="tongban serve")
    parser.add_argument("--bind", default=os.environ.get("TONGBAN_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 0)))
    args, rest = parser.parse_known_args(argv)
    os.environ.setdefault("TONGBAN_SEARCH_WARM", "1")  # each worker builds its index at start
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    workers = args.workers or (os.cpu_count() or 1) * 2 + 1
    _django(["collectstatic", "--noinput", "-v", "0"])
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tongban.wsgi:application",
            "--bind",
            args.bind,
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--max-requests",
            "20000",
            "--max-requests-jitter",
            "2000",
            *rest,
        ],
    )


def _start_scheduler() -> None:
    """Periodic jobs (deadline sweeps) beside the worker or the demo server; see core.schedule."""
    from tongban.core.schedule import scheduler_start_thread

    scheduler_start_thread(interval=float(os.environ.get("TONGBAN_SCHEDULER_INTERVAL", 60)))


def worker(argv: list[str]) -> None:
    """The task worker of the configured queue (``TONGBAN_TASK_BACKEND``: ``database``, the
    default here, runs django-tasks-db's ``db_worker`` and takes its options; ``rq`` runs an RQ
    worker, with ``--burst`` to stop once the queue is empty), holding a lease (see
    core.leases) so that a worker that dies has its tasks re-queued, with the scheduler in a
    thread unless ``--no-scheduler``."""
    os.environ.setdefault("TONGBAN_TASK_BACKEND", "database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    import django
    from django.conf import settings
    from django.utils.crypto import get_random_string

    django.setup()
    from tongban.core.leases import lease_start_thread

    if settings.TONGBAN_TASK_BACKEND == "immediate":
        raise SystemExit("tongban worker: TONGBAN_TASK_BACKEND=immediate runs tasks in-process")

    if "--no-scheduler" in argv:
        argv = [a for a in argv if a != "--no-scheduler"]
    else:
        _start_scheduler()
    ids = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    ids.add_argument("--worker-id")
    worker_id = ids.parse_known_args(argv)[0].worker_id
    if worker_id is None:
        worker_id = get_random_string(32)
        argv = [*argv, "--worker-id", worker_id]
    lease_start_thread(worker_id)
    if settings.TONGBAN_TASK_BACKEND == "rq":
        from tongban.core.rq_queue import rq_work

        rq_work(worker_id, burst="--burst" in argv)
    else:
        _django(["db_worker", *argv])


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"demo": demo, "serve": serve, "worker": worker}
    if argv and argv[0] in commands:
        commands[argv[0]](argv[1:])
    elif argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
    else:
        _django(argv or ["help"])
