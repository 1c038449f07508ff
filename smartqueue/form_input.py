"""What every form of the app refuses in how its input was sent, whichever app the form is in: a field given more
than once, and a value in bytes that were not UTF-8. The APIs refuse both in their bodies alike
(smartqueue.parsers, requests.submitted_fields)."""

from functools import wraps

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .errors import error_response
from .parsers import given_more_than_once, repeated_field

# What Django reads in place of bytes that are not UTF-8 (errors="replace").
UNREADABLE = "\ufffd"
UNREADABLE_TEXT = _("This holds characters that could not be read. Type it again.")


class OneValuePerFieldMixin:
    """A field given more than once is refused naming it: a form body or query string keeps the last of its values
    silently, and the sender (a script, an edited page or link) may have meant the first."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not hasattr(self.data, "getlist"):
            return
        for name, field in self.fields.items():
            if getattr(field.widget, "allow_multiple_selected", False) or name not in self.cleaned_data:
                continue
            if len(self.data.getlist(self.add_prefix(name))) > 1:
                label = field.label or capfirst(name.replace("_", " "))
                self.add_error(name, given_more_than_once(label))


class ReadableTextMixin:
    """A value that was not UTF-8 is refused naming its field: Django reads such bytes of a form body or query
    string as "�" (U+FFFD), which was saved in place of what was sent (a department named "���"). A JSON body
    that is not UTF-8 is refused whole (smartqueue.parsers)."""

    def full_clean(self):
        super().full_clean()
        # Only a form body or query string (a QueryDict) was decoded so; a JSON body's "�" is the sender's own.
        if not self.is_bound or not hasattr(self.data, "getlist"):
            return
        for name in list(self.cleaned_data):
            values = self.data.getlist(self.add_prefix(name))
            if any(isinstance(value, str) and UNREADABLE in value for value in values):
                self.add_error(name, UNREADABLE_TEXT)


def refuse_repeated_fields(view):
    """For a page that reads its buttons' values outside its forms (action, confirm): a field of a POST given more
    than once is a 400 naming it, as OneValuePerFieldMixin refuses a form's own fields."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        repeated = repeated_field(request.POST) if request.method == "POST" else None
        if repeated is not None:
            return error_response(request, status=400, detail=given_more_than_once(repeated))
        return view(request, *args, **kwargs)

    return checked
