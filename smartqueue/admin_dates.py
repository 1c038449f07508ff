"""Django admin's lists take a date out of the calendar's range as a bad filter, not a 500.

Django builds the date drill-down's (date_hierarchy) bounds with datetime() and catches only the ValueError of
that call: a year past the calendar's last (?token_date__year=9999, whose next year does not exist) or too large
for a C integer (?token_date__year=99999999999999999999) raised ValueError or OverflowError later. A year lookup on
any date field (?created_at__year=99999) is bounded only when the list counts its rows, past Django's own check of
the lookups. Both were a 500 with a traceback. The site below gives every ModelAdmin registered on it, the apps'
and django-axes' alike, a change list that takes them as Django takes a filter it cannot apply: the list again
without filters, flagged "?e=1".

The site's password page also checks the old password as a sign-in is (BoundedDatesAdminSite.password_change), and
the admin's yes/no icons say their value in words (smartqueue.admin_yes_no).
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters, ModelAdmin

from .admin_yes_no import say_yes_and_no_in_words


class OutOfRangeDatesRefused:
    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedDatesAdminSite(AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, OutOfRangeDatesRefused):
            admin_class = type(admin_class.__name__, (OutOfRangeDatesRefused, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)

    def password_change(self, request, extra_context=None):
        # The site's own password page counts wrong old passwords as failed sign-ins, as the staff pages do
        # (eleventh attack run). Imported here, as Django imports its own: the views need the apps' models.
        from .views import django_admin_password_change

        return django_admin_password_change(self, request, extra_context)


class BoundedDatesAdminConfig(AdminConfig):
    default_site = "smartqueue.admin_dates.BoundedDatesAdminSite"

    def ready(self):
        super().ready()
        say_yes_and_no_in_words()
