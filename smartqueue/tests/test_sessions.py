from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse

from smartqueue.sessions import ActivitySessionMiddleware


def test_a_pages_own_refresh_that_changes_the_session_still_saves_the_change(rf, db):
    def switching_language(request):
        request.session["staff_language"] = "es"
        return HttpResponse()

    response = ActivitySessionMiddleware(switching_language)(rf.get("/", HTTP_X_BACKGROUND_REFRESH="1"))

    saved = SessionStore(response.cookies[settings.SESSION_COOKIE_NAME].value)
    assert saved["staff_language"] == "es"
