"""Django admin's lists take a date out of the calendar's range as a bad filter, not a 500.

Django builds the date drill-down's (date_hierarchy) bounds with datetime() and catches only the ValueError of
that call: a year past the calendar's last (?token_date__year=9999, whose next year does not exist) or too large
for a C integer (?token_date__year=99999999999999999999) raised ValueError or OverflowError later. A year lookup on
any date field (?created_at__year=99999) is bounded only when the list counts its rows, past Django's own check of
the lookups. Both were a 500 with a traceback. The site below gives every ModelAdmin registered on it, the apps'
and django-axes' alike, a change list that takes them as Django takes a filter it cannot apply: the list again
without filters, flagged "?e=1". Its date and time fields refuse a time out of the calendar once in UTC.

The site's password page also checks the old password as a sign-in is (BoundedDatesAdminSite.password_change), its
sign-in page says why a page that signed itself out arrived there (as the staff sign-ins do), and the admin's yes/no
icons say their value in words (smartqueue.admin_yes_no). Its sign-out takes a visitor whose session has already
ended too (BoundedDatesAdminSite.get_urls).
"""

from datetime import UTC
from functools import wraps

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters, ModelAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from .admin_yes_no import say_yes_and_no_in_words
from .sessions import IDLE_SIGN_OUT_FLAG, ended_for_idleness, sign_out_reason


def within_the_calendar_in_utc(value):
    """A time typed in the hospital's zone that is out of the calendar once in UTC (9999-12-31 23:59 behind UTC) is
    not a date and time: PostgreSQL stored it as year 10000, which no page could read again (every list showing it
    a 500), and SQLite's save was a 500."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(forms.DateTimeField.default_error_messages["invalid"], code="out_of_range") from None


class OutOfRangeDatesRefused:
    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and field is not None:
            field.validators.append(within_the_calendar_in_utc)
        return field


class BoundedDatesAdminSite(AdminSite):
    @property
    def login_form(self):
        # Says why a published password is refused, as the staff sign-in pages do. Imported here: forms need the
        # apps' models, and this module is loaded before them.
        from .views import DjangoAdminSignInForm

        return DjangoAdminSignInForm

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

    def get_urls(self):
        # A page signing itself out (static/js/staff-session.js) may post after the server has ended its session (the
        # sign-in's end is the server's, a moment before the page's timer): wrapped as Django wraps it, the sign-out
        # of a visitor no longer signed in went to the sign-in page without the next= that says why it signed out.
        # Django's sign-out view checks the CSRF token and is never cached by itself.
        sign_out = path("logout/", self.logout, name="logout")
        return [sign_out, *(url for url in super().get_urls() if getattr(url, "name", None) != "logout")]

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        # Reached after the session ended for idleness other than by the page's own sign-out (a reload, a link
        # followed after the device slept): to the sign-in page saying why, as the staff pages do (RoleRequiredMixin).
        @wraps(guarded)
        def saying_why_signed_out(request, *args, **kwargs):
            if not self.has_permission(request) and ended_for_idleness(request):
                # Imported here, as Django imports it: the auth views need the apps' models.
                from django.contrib.auth.views import redirect_to_login

                sign_in = reverse("admin:login", current_app=self.name)
                return redirect_to_login(request.get_full_path(), f"{sign_in}?{IDLE_SIGN_OUT_FLAG}=1")
            return guarded(request, *args, **kwargs)

        return saying_why_signed_out if cacheable else never_cache(saying_why_signed_out)

    def login(self, request, extra_context=None):
        return super().login(request, {"sign_out_reason": sign_out_reason(request), **(extra_context or {})})


class BoundedDatesAdminConfig(AdminConfig):
    default_site = "smartqueue.admin_dates.BoundedDatesAdminSite"

    def ready(self):
        super().ready()
        say_yes_and_no_in_words()
