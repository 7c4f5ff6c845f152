from django.core.management.base import BaseCommand

from tongban.core.schedule import periodic_jobs, schedule_run_due, scheduler_loop


class Command(BaseCommand):
    help = "Enqueue periodic jobs when due (`--once` for cron; otherwise loop)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one check, then exit")
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between checks")
        parser.add_argument("--list", action="store_true", help="list the periodic jobs")

    def handle(self, *args, **options):
        if options["list"]:
            for job in periodic_jobs():
                self.stdout.write(f"{job.name}\tevery {job.every}")
            return
        if options["once"]:
            claimed = schedule_run_due()
            self.stdout.write(", ".join(claimed) if claimed else "nothing due")
            return
        scheduler_loop(interval=options["interval"])
