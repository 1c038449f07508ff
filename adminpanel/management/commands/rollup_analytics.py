import argparse
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from adminpanel.analytics import day_to_roll_up, rollup_day


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
            try:
                day = day_to_roll_up(options["date"])
            except ValueError as refusal:
                raise CommandError(f"--date {refusal}") from None
        else:
            day = timezone.localdate() - timedelta(days=1)
        rows = rollup_day(day=day)
        self.stdout.write(self.style.SUCCESS(f"Rolled up {day}: {rows} department row(s)."))
