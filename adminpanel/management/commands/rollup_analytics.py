from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from adminpanel.analytics import rollup_day


class Command(BaseCommand):
    help = "Write (or rewrite) the DepartmentAnalytics rows of one hospital-local day; yesterday by default."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to roll up, as YYYY-MM-DD.")

    def handle(self, *args, **options):
        # An empty --date (e.g. an unset shell variable) is a mistake to report, not a request for the default.
        if options["date"] is not None:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date must be a real day written YYYY-MM-DD, got '{options['date']}'.") from error
        else:
            day = timezone.localdate() - timedelta(days=1)
        rows = rollup_day(day=day)
        self.stdout.write(self.style.SUCCESS(f"Rolled up {day}: {rows} department row(s)."))
