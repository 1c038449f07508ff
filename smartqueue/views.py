import functools
import logging

import orjson
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeDoneView, PasswordChangeView
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import TemplateView
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from redis import Redis

from adminpanel.access import PanelAdminRequiredMixin
from adminpanel.models import SystemConfiguration
from doctors import services as doctor_services
from doctors.access import FIRST_PASSWORD_SESSION_KEY, DoctorRequiredMixin
from patients import hooks
from patients.forms import BootstrapWidgetsMixin, FieldsSayWhatToEnterMixin
from patients.models import Department
from patients.selectors import department_snapshot_frame, departments_on_the_boards
from patients.templatetags.waits import wait_units

from .actions import RefusedFormIs400
from .auth_backends import PublishedPasswordRefusalSaid
from .i18n import STAFF_LANGUAGE_SESSION_KEY, staff_profiles
from .requests import client_ip, from_internal_network
from .sessions import sign_out_reason

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        # Each open department's board is linked, so a TV can be pointed at it from here.
        return super().get_context_data(departments=Department.objects.active(), **kwargs)


def board_words(page_language):
    """The display boards' words in each language the hospital shows on them (System configuration), for the
    board's script to cycle through and speak; %(...)s are filled in by the script. A board opened in another
    language (its browser's, or the one picked with the switcher) shows that one first, so that its words are
    not left in another language than the page around them."""
    configured = SystemConfiguration.cached().board_languages
    words = []
    for language in configured if page_language in configured else [page_language, *configured]:
        with translation.override(language):
            words.append(
                {
                    "language": language,
                    "direction": "rtl" if translation.get_language_bidi() else "ltr",
                    "now_serving": gettext("Now serving"),
                    "next": gettext("Next"),
                    "emergency": gettext("Emergency"),
                    "high_priority": gettext("High priority"),
                    "in_turn": gettext("In turn"),
                    "please_go_in": gettext("Please go in"),
                    "in_consultation": gettext("In consultation"),
                    # Beside a next token whose patient a doctor of another department has just now (not named:
                    # a public screen); Call next passes them over until they are free.
                    "with_a_doctor_elsewhere": gettext("With a doctor in another department"),
                    # The calling doctor's name as the queue gives it (doctor_name), titled in this language.
                    "doctor": gettext("Dr. %(name)s"),
                    "please_wait": gettext("Please wait to be called."),
                    "no_one_waiting": gettext("No one is waiting."),
                    "waiting": gettext("%(count)s waiting"),
                    # After the next tokens a board has room for: how many more are waiting behind them.
                    # No plural to agree with ("+1 more" needs one form in English and another in Arabic).
                    "more_waiting": gettext("Also waiting: %(count)s"),
                    "no_doctor": gettext("no doctor on duty yet"),
                    "doctors_from": gettext("doctors from %(time)s"),
                    "no_doctor_today": gettext("no doctor is expected back today (please ask at the desk)"),
                    "about_wait": gettext("about %(minutes)s min for new arrivals"),
                    # A doctor free for a new arrival now: "about 0 min" where the landing page says "Any moment now".
                    "any_moment": gettext("any moment now for new arrivals"),
                    "about_long_wait": gettext("about %(wait)s for new arrivals"),
                    # The wait for new arrivals with its range, as each waiting token's (docs/wait-estimates.md).
                    "about_range": gettext("about %(low)s to %(high)s min for new arrivals"),
                    "about_long_range": gettext("about %(low)s to %(high)s for new arrivals"),
                    # After the wait for new arrivals where it runs past the day's hours.
                    "maybe_not_today": gettext("maybe not today (hours end at %(time)s)"),
                    # In place of the wait for new arrivals once the department's daily capacity is reached.
                    "full_today": gettext("full for today: no more walk-in tokens"),
                    # In place of the wait for new arrivals while the hospital has closed the department for today.
                    "closed_today": gettext("closed today: please ask at the reception desk"),
                    # A wait of an hour or more, in hours (static/js/wait-words.js).
                    **wait_units(),
                    "call_to_room": gettext("%(token)s, please go to %(room)s"),
                    "call_in": gettext("%(token)s, please go in"),
                    "spoken_to_room": pgettext("spoken", "Token %(token)s, please go to %(room)s"),
                    "spoken_in": pgettext("spoken", "Token %(token)s, please go in"),
                    # The live updates' badge and the note beside figures not live, as static/js/live-socket.js
                    # words them (its pageWords), written by it in the language shown.
                    "live_status": {
                        "connecting": gettext("Connecting…"),
                        "live": gettext("Live"),
                        "reconnecting": gettext("Reconnecting…"),
                        "polling": gettext("Reconnecting… (checking every few seconds meanwhile)"),
                        "busy": gettext(
                            "Too many live pages are open on this network: this page checks every few seconds instead."
                        ),
                        "refused": gettext("Live updates are off: please reload the page."),
                        "stopped": gettext("Live updates stopped."),
                    },
                    "live_again": gettext("Live again: this page is up to date."),
                    "not_live": gettext("Not live: last updated %(time)s"),
                }
            )
    return words


class DisplayBoardView(TemplateView):
    template_name = "display/department.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(board_words=board_words(translation.get_language()), **kwargs)


class DepartmentDisplayView(DisplayBoardView):
    """The waiting-room TV of one department: now serving, next tokens, a chime and a spoken call."""

    def get_context_data(self, **kwargs):
        department = get_object_or_404(Department, pk=self.kwargs["department_id"])
        return super().get_context_data(boards=[department_snapshot_frame(department)], single=True, **kwargs)


class AllDepartmentsDisplayView(DisplayBoardView):
    """The main hall TV: every open department's now-serving and next tokens."""

    def get_context_data(self, **kwargs):
        boards = [department_snapshot_frame(department) for department in departments_on_the_boards()]
        return super().get_context_data(boards=boards, single=False, **kwargs)


@never_cache
def department_display_snapshot(request, department_id):
    """The queue socket's snapshot frame over HTTP, for display boards whose socket cannot open."""
    department = get_object_or_404(Department, pk=department_id)
    # Rendered by orjson, as the API's answers and the socket frames are: a long line's frame is read by every poll.
    return HttpResponse(orjson.dumps(department_snapshot_frame(department)), content_type="application/json")


@never_cache
@require_safe
def healthz(request):
    """Liveness probe for load balancers: answers without touching the database, Redis or the session."""
    return JsonResponse({"status": "ok"})


# How long /readyz waits for a connection from the pool. It waited the pool's 30 s while PostgreSQL was away: a load
# balancer's or docker's check (5 s) had given up long before, and four such probes held all of the process's request
# threads (SYNC_REQUEST_THREADS), so that /healthz itself went unanswered for half a minute.
READINESS_POOL_SECONDS = 2


def reachable(name, check):
    try:
        check()
    except Exception as error:
        # The error stays in the log: the probe is public, and a host name is not its to say. One line, as a probe
        # asked every few seconds wrote forty lines of traceback each time, burying what the on-call engineer needs.
        logger.warning("Readiness probe: the %s is unreachable (%s: %s)", name, type(error).__name__, error)
        return False
    return True


def ping_database():
    # Django's PostgreSQL backend has a pool with DATABASE_POOL_SIZE; without one, connecting gives up after the
    # connect_timeout settings.py sets.
    pool = getattr(connection, "pool", None)
    if pool is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return
    pool.open()  # As Django opens it at a process's first query: the probe may come first.
    with pool.connection(timeout=READINESS_POOL_SECONDS) as pooled:
        pooled.execute("SELECT 1")


def ping_redis():
    for url in {settings.REDIS_URL, settings.CACHE_URL, *settings.CHANNEL_REDIS_URLS} - {""}:
        client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()


@never_cache
@require_safe
def readyz(request):
    """Readiness probe for load balancers and monitoring: 503 naming what this process cannot reach (the database,
    the Redis of the channel layer, Celery's broker and the cache), where /healthz only says the process answers.

    Only a client of an internal network is told which: "redis": "unavailable" told anyone on the internet that the
    rate limits and sign-in budgets, counted in Redis, were not counted (RATELIMIT_FAIL_OPEN) until it was back."""
    checks = {"database": reachable("database", ping_database)}
    if settings.REDIS_URL or settings.CACHE_URL:
        checks["redis"] = reachable("redis", ping_redis)
    ready = all(checks.values())
    answers = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    if not from_internal_network(request):
        answers = {}
    return JsonResponse({"status": "ok" if ready else "unavailable", **answers}, status=200 if ready else 503)


@require_POST
def keep_session_alive(request):
    """What a staff page says while the person types or clicks, which sends nothing else: like any request of
    theirs, it starts the session's idle time again (smartqueue/sessions.py, static/js/staff-session.js)."""
    if not request.user.is_authenticated:
        # For a script: a sign-in page to follow would not tell it that the session has ended.
        return HttpResponseForbidden()
    return HttpResponse(status=204)


def switch_language(request):
    """The language switcher: Django's set_language (a cookie), and for signed-in staff their profile's language."""
    language = request.POST.get("language", "")
    if request.method == "POST" and language not in dict(settings.LANGUAGES):
        # set_language takes any locale Django ships ("fr", "fr-aaaa-bbbb"): only the site's may reach the cookie
        # and a staff profile; anything else only goes back to the page.
        request.POST = request.POST.copy()
        request.POST.pop("language", None)
    response = set_language(request)
    if request.method == "POST" and language in dict(settings.LANGUAGES) and request.user.is_authenticated:
        for profile in staff_profiles(request.user):
            profile.language = language
            profile.save(update_fields=["language"])
        request.session[STAFF_LANGUAGE_SESSION_KEY] = language
    return response


def javascript_catalog(request, language):
    """The JS strings of one language, named in the URL: a patient's page may speak their language, not the
    browser's, and its script must follow the page."""
    if language not in dict(settings.LANGUAGES):
        raise Http404("SmartQueue does not speak this language.")
    with translation.override(language):
        return JavaScriptCatalog.as_view()(request)


@functools.cache
def rendered_schema(generator_class, renderer_class, language):
    """The OpenAPI schema in one format and language, as bytes. It is the same for every caller (served public) and
    costs about 0.3 s of server time to generate and render (YAML), so it is made once per process."""
    with translation.override(language):
        return renderer_class().render(generator_class().get_schema(request=None, public=True))


class SchemaView(SpectacularAPIView):
    """/api/schema/, open to anyone: drf-spectacular's view generated it again for every request, and sixteen
    requests at once from one client kept a server process busy, every other page waiting seconds behind them.
    Made once per format and language (rendered_schema): `lang` takes the site's languages only, the request's
    otherwise, and `version` is not read (the API has one), so no query string makes a new one."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        requested = request.GET.get("lang", "")
        language = requested if requested in dict(settings.LANGUAGES) else translation.get_language()
        renderer = request.accepted_renderer
        content_type = f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
        response = HttpResponse(
            rendered_schema(self.generator_class, type(renderer), language), content_type=content_type
        )
        response["Content-Disposition"] = f'inline; filename="{self._get_filename(request, None)}"'
        return response


class PasswordChangeInHospitalWords(PasswordChangeForm):
    """Django's password change in the hospital's words (Django's Hindi catalogue lacks some of its own), the old
    password checked as a sign-in is."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": _("This is not your current password. Type it again."),
        "password_mismatch": _("The two new passwords differ: type the same one in both."),
    }

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password2"].help_text = _("Type the new password a second time, to be sure of it.")

    def validate_password_for_user(self, user, password_field_name="new_password2"):
        # AUTH_PASSWORD_VALIDATORS judge the new password: their refusal stands beside it, where its rules are
        # listed, not beside "New password again", where Django puts it (SetPasswordForm.clean names that field).
        super().validate_password_for_user(user, "new_password1")

    def clean_old_password(self):
        # Through the sign-in backends, not user.check_password: a wrong old password counts toward the account's
        # lockout and the address's budget of failed sign-ins (smartqueue.auth_backends), so a session left open
        # is no way to guess the password without limit; once locked, the answer is the sign-in lockout page.
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if checked is None or checked.pk != self.user.pk:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class StaffPasswordChangeForm(FieldsSayWhatToEnterMixin, BootstrapWidgetsMixin, PasswordChangeInHospitalWords):
    """As every staff form: Bootstrap's widgets, errors tied to their fields, and an empty field refused by its
    label (the hospital's, given first by PasswordChangeInHospitalWords)."""


class StaffPasswordChangeView(RefusedFormIs400, PasswordChangeView):
    """Django's view: the new password held to AUTH_PASSWORD_VALIDATORS, this session kept signed in
    (update_session_auth_hash) and the account's other sessions ended by the new session auth hash (the doctor's
    socket re-reads its session: smartqueue.staff_sockets). Each role's page wears its own navigation."""

    template_name = "registration/password_change.html"
    form_class = StaffPasswordChangeForm
    base_template = "base.html"
    done_url_name = ""
    heading = _("Change password")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_success_url(self):
        return reverse(self.done_url_name)

    def get_context_data(self, **kwargs):
        return super().get_context_data(base_template=self.base_template, heading=self.heading, **kwargs)

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        hooks.record_action(
            actor=self.request.user,
            action="auth.password_changed",
            target=self.request.user,
            after={"path": self.request.path},
            ip_address=client_ip(self.request),
        )
        return response


class DjangoAdminPasswordChangeForm(PasswordChangeInHospitalWords):
    """Django admin's own password page (superusers), its old password checked as a sign-in is: Django's form
    compared it with check_password, so a superuser's session could guess the password on without limit."""

    required_css_class = "required"


class DjangoAdminSignInForm(PublishedPasswordRefusalSaid, AdminAuthenticationForm):
    """Django admin's sign-in form (BoundedDatesAdminSite.login_form): it says why a published password is refused, and
    its username (which has the focus) is described by why a page that signed itself out arrived here: a message
    present when a page loads is not read out (templates/admin/login.html)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if request is not None and sign_out_reason(request):
            self.fields["username"].widget.attrs["aria-describedby"] = "sign-out-reason"


def django_admin_password_change(admin_site, request, extra_context=None):
    """Django admin's password page in Django admin's look, with the staff pages' checks, audit row included."""
    request.current_app = admin_site.name
    return StaffPasswordChangeView.as_view(
        form_class=DjangoAdminPasswordChangeForm,
        template_name="registration/password_change_form.html",
        done_url_name="admin:password_change_done",
        extra_context={**admin_site.each_context(request), **(extra_context or {})},
    )(request)


class StaffPasswordChangeDoneView(PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
    base_template = "base.html"
    home_url_name = ""
    home_label = ""
    heading = _("Password changed")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            base_template=self.base_template,
            heading=self.heading,
            home_url=reverse(self.home_url_name),
            home_label=self.home_label,
            **kwargs,
        )


class DoctorPasswordChangeView(DoctorRequiredMixin, StaffPasswordChangeView):
    """Also where a doctor holding a password an administrator chose is led (doctors.middleware) until they change
    it."""

    base_template = "doctors/base.html"
    done_url_name = "doctor-password-changed"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            password_chosen_by_an_administrator=self.request.session.get(FIRST_PASSWORD_SESSION_KEY, False), **kwargs
        )

    def form_valid(self, form):
        response = super().form_valid(form)
        doctor_services.password_chosen(user=self.request.user)
        self.request.session.pop(FIRST_PASSWORD_SESSION_KEY, None)
        return response


class DoctorPasswordChangeDoneView(DoctorRequiredMixin, StaffPasswordChangeDoneView):
    base_template = "doctors/base.html"
    home_url_name = "doctors:dashboard"
    home_label = _("Back to the dashboard")


class PanelPasswordChangeView(PanelAdminRequiredMixin, StaffPasswordChangeView):
    base_template = "adminpanel/base.html"
    done_url_name = "panel-password-changed"


class PanelPasswordChangeDoneView(PanelAdminRequiredMixin, StaffPasswordChangeDoneView):
    base_template = "adminpanel/base.html"
    home_url_name = "adminpanel:queues"
    home_label = _("Back to the live queues")
