import argparse
import re
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from adminpanel.analytics import rollup_day

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class GivenOnce(argparse.Action):
    """Stores the option's value and refuses a second one, which argparse would silently keep instead: of two days
    given, the command rolled up the last alone."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, self.dest) is not None:
            raise argparse.ArgumentError(self, "given more than once; run the command once per day")
        setattr(namespace, self.dest, values)


class Command(BaseCommand):
    help = "Write (or rewrite) the DepartmentAnalytics rows of one hospital-local day; yesterday by default."

    def add_arguments(self, parser):
        parser.add_argument("--date", action=GivenOnce, help="The day to roll up, as YYYY-MM-DD.")

    def handle(self, *args, **options):
        # An empty --date (e.g. an unset shell variable) is a mistake to report, not a request for the default.
        if options["date"] is not None:
            typed = options["date"]
            try:
                # fromisoformat also reads 20261203 and 2026-W49-4: only the form the help names is taken.
                day = date.fromisoformat(typed) if ISO_DAY.fullmatch(typed) else None
            except ValueError:
                day = None
            if day is None:
                raise CommandError(f"--date must be a real day written YYYY-MM-DD, got '{typed}'.")
            if day > timezone.localdate():
                raise CommandError(f"--date must be today or an earlier day: {typed} has not happened yet.")
        else:
            day = timezone.localdate() - timedelta(days=1)
        rows = rollup_day(day=day)
        self.stdout.write(self.style.SUCCESS(f"Rolled up {day}: {rows} department row(s)."))
