"""Where a page's one-time messages wait for the next page (settings.MESSAGE_STORAGE)."""

from django.contrib.messages.storage.base import BaseStorage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage


class SignedInMessagesInSessionStorage(BaseStorage):
    """A signed-in staff member's messages wait in their session; a visitor's in a cookie.

    Staff messages name patients and their numbers ("CARD-004 now has the number +1…"). Django's default keeps
    them in a cookie that is signed, not encrypted: the number crossed the network and sat in the desk browser's
    cookie file in base64, and a message not shown before signing out was still there for whoever signed in next.
    The session is on the server and ends with the sign-out. Patients' pages keep the cookie, so that an
    anonymous visitor still gets no session row."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.cookie_storage = CookieStorage(request, *args, **kwargs)
        self.session_storage = SessionStorage(request, *args, **kwargs)

    def _get(self, *args, **kwargs):
        from_cookie, _all_retrieved = self.cookie_storage._get()
        from_session, _all_retrieved = self.session_storage._get()
        return [*(from_cookie or []), *(from_session or [])], True

    def _store(self, messages, response, *args, **kwargs):
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            if self.cookie_storage.cookie_name in self.request.COOKIES:
                self.cookie_storage._store([], response)
            return self.session_storage._store(messages, response)
        # Emptying a session without messages leaves it unchanged: no session row is made for a visitor.
        self.session_storage._store([], response)
        return self.cookie_storage._store(messages, response, *args, **kwargs)
