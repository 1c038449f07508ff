"""Django admin's date drill-down (date_hierarchy) with a year, month or day out of range is a bad filter, not a 500.

Django builds the drill-down's bounds with datetime() and catches only the ValueError of that call: a year past
the calendar's last (?token_date__year=9999, whose next year does not exist) or too large for a C integer
(?token_date__year=99999999999999999999) raised ValueError or OverflowError later, a 500 with a traceback. The
site below gives every ModelAdmin registered on it, the apps' and django-axes' alike, the bounded change list.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters, ModelAdmin


class DateHierarchyOutOfRangeRefused:
    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)

        class BoundedDatesChangeList(changelist):
            def get_filters(self, request):
                try:
                    return super().get_filters(request)
                except (ValueError, OverflowError) as error:
                    raise IncorrectLookupParameters(error) from error

        return BoundedDatesChangeList


class BoundedDatesAdminSite(AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, DateHierarchyOutOfRangeRefused):
            admin_class = type(admin_class.__name__, (DateHierarchyOutOfRangeRefused, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)


class BoundedDatesAdminConfig(AdminConfig):
    default_site = "smartqueue.admin_dates.BoundedDatesAdminSite"
