"""JSON typed into Django admin, refused with the field named where Django's own form field let it through to a
500 or into a record the app cannot read."""

import math

from django import forms
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext, gettext_lazy as _

from .parsers import field_with_a_lone_surrogate, first_value_inside


def _is_not_finite(value):
    return isinstance(value, float) and not math.isfinite(value)


def _is_or_keys_a_null(value):
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, dict) and any("\x00" in key for key in value)


def unstorable_part(value):
    """Why no page or PostgreSQL's jsonb can hold the value (a lone surrogate, NUL, NaN or an infinity); None
    when they can."""
    if first_value_inside(value, _is_not_finite) is not None:
        return gettext("Numbers must be finite: NaN and Infinity cannot be stored.")
    if field_with_a_lone_surrogate(value) is not None:
        return gettext("Surrogate characters are not allowed.")
    if first_value_inside(value, _is_or_keys_a_null) is not None:
        return gettext("Null characters are not allowed.")
    return None


class CheckedJSONField(forms.JSONField):
    """Django's JSON form field, refusing what it lets through: nesting deep enough to exhaust the stack, text
    neither the page nor the database can encode, non-finite numbers, a value of another kind than the record's
    default (a list where {language: ...} is read) and a blank field for a column that holds no null."""

    default_error_messages = {
        "object": _("Enter a JSON object, e.g. {}."),
        "list": _("Enter a JSON list, e.g. []."),
    }

    def __init__(self, *, kind=None, blank_value=None, **kwargs):
        self.kind, self.blank_value = kind, blank_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            # Model validation skips a blank field's validators, so {} or [] is stored unchecked: here too.
            return self.blank_value
        try:
            converted = super().to_python(value)
        except RecursionError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        problem = unstorable_part(converted)
        if problem is not None:
            raise forms.ValidationError(problem, code="invalid")
        if self.kind is dict and not isinstance(converted, dict):
            raise forms.ValidationError(self.error_messages["object"], code="object")
        if self.kind is list and not isinstance(converted, list):
            raise forms.ValidationError(self.error_messages["list"], code="list")
        return converted

    def bound_data(self, data, initial):
        # The refused value goes back into the page as typed: parsed, a lone surrogate in it could not be encoded.
        try:
            value = super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)
        return InvalidJSONInput(data) if unstorable_part(value) is not None else value
