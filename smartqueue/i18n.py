"""The language a page is drawn in, and which way it reads.

Django's LocaleMiddleware picks the switcher's cookie, else the browser's Accept-Language. For signed-in
staff the language of their profile (Doctor.language, AdminUser.language), put in the session when they sign
in, comes first; switching language while signed in changes that profile (smartqueue.views.switch_language),
so both stay one choice. Signing out ends the session, and with it the staff language.
Profiles are reached by their relation names, so this helper imports no app.
"""

from types import SimpleNamespace

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import pgettext

STAFF_PROFILE_RELATIONS = ("doctor", "admin_profile")
STAFF_LANGUAGE_SESSION_KEY = "staff_language"
LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


def text_direction(language):
    """Which way one of the site's languages reads: "rtl" or "ltr", for a dir attribute."""
    return "rtl" if translation.get_language_info(language)["bidi"] else "ltr"


def clock_time(moment):
    """A moment's time of day on the hospital's clock, as the page's language writes it (its TIME_FORMAT: "9:05 a.m."
    in English, 21:05 in the others): the one rule of the pages, the texts and the live scripts' WaitWords.clockTime."""
    return formats.time_format(timezone.localtime(moment), "TIME_FORMAT")


def listed(items):
    """Items one after another in a sentence, with the active language's comma: Arabic writes "،", not ","."""
    return pgettext("between the items of a list", ", ").join(items)


def staff_profiles(user):
    """The user's staff profiles (a doctor's, an administrator's) that exist."""
    return [profile for name in STAFF_PROFILE_RELATIONS if (profile := getattr(user, name, None)) is not None]


def remember_staff_language(sender, request, user, **kwargs):
    """On sign-in (user_logged_in): the staff member's profile language, kept in the session for every page."""
    languages = [profile.language for profile in staff_profiles(user) if profile.language]
    if request is not None and languages:
        request.session[STAFF_LANGUAGE_SESSION_KEY] = languages[0]


def socket_language(scope):
    """The language of a live socket's words, picked as its page's is: a signed-in staff member's, else the
    switcher's cookie, else the browser's Accept-Language (both sent with the socket's handshake), else the site's.
    May read the session: call it off the event loop."""
    session = scope.get("session")
    staff_language = session.get(STAFF_LANGUAGE_SESSION_KEY, "") if session is not None else ""
    if staff_language in LANGUAGE_CODES:
        return staff_language
    accept_language = dict(scope.get("headers", ())).get(b"accept-language", b"").decode("latin-1")
    handshake = SimpleNamespace(COOKIES=scope.get("cookies", {}), META={"HTTP_ACCEPT_LANGUAGE": accept_language})
    return translation.get_language_from_request(handshake)


class StaffLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(STAFF_LANGUAGE_SESSION_KEY, "")
        if language in LANGUAGE_CODES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
