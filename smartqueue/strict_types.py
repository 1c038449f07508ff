"""JSON bodies are typed: a value of the wrong JSON type is a 400 naming its field, never coerced; a field the body's
declaration does not have is a 400 naming it, never dropped.

Django forms and DRF fields both turn what they are given into what they want (["a"] into the text "['a']",
"maybe" into True, 12 into "12"). That is right for HTML forms, where everything is text, and wrong for JSON,
where the client chose a type. These checks run on the parsed JSON before the fields see it; null is left
to the fields (required or not).
"""

from collections.abc import Mapping

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import relations, serializers

from smartqueue.parsers import OverlongNumber, given_more_than_once

TEXT = ((str,), _("text"))
WHOLE_NUMBER = ((int,), _("a whole number"))
NUMBER = ((int, float), _("a number"))
TRUE_OR_FALSE = ((bool,), _("true or false"))


def _choice_types(choices):
    # Choices are text (TextChoices) or whole numbers (IntegerChoices); which values are allowed, the field says.
    return WHOLE_NUMBER if any(isinstance(value, int) for value in choices) else TEXT


def _form_field_types(field):
    if isinstance(field, (forms.BooleanField, forms.NullBooleanField)):
        return TRUE_OR_FALSE
    if isinstance(field, forms.ModelChoiceField):
        return ((int,), _("an id number"))
    if isinstance(field, (forms.FloatField, forms.DecimalField)):
        return NUMBER
    if isinstance(field, forms.IntegerField):
        return WHOLE_NUMBER
    if isinstance(field, forms.ChoiceField):
        return _choice_types(value for value, _label in field.choices)
    return TEXT


def _serializer_field_types(field):
    if isinstance(field, serializers.BooleanField):
        return TRUE_OR_FALSE
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return ((int,), _("an id number"))
    if isinstance(field, (serializers.FloatField, serializers.DecimalField)):
        return NUMBER
    if isinstance(field, serializers.IntegerField):
        return WHOLE_NUMBER
    if isinstance(field, serializers.ChoiceField):
        return _choice_types(field.choices)
    if isinstance(field, (serializers.CharField, serializers.UUIDField, serializers.DateField,
                          serializers.TimeField, serializers.DateTimeField)):
        return TEXT
    # Nested serializers and lists check their own shape.
    return None


def _is(value, kinds):
    # bool is an int in Python, never in JSON; an overlong number is kept as text, but the client sent a number.
    if isinstance(value, OverlongNumber):
        return False
    return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))


def _type_errors(data, fields, types_of, null_refused=lambda field: False):
    errors = {}
    for name, field in fields.items():
        value = data.get(name)
        expected = types_of(field)
        if expected is None or (value is None and not (name in data and null_refused(field))):
            continue
        kinds, described = expected
        if isinstance(value, OverlongNumber) and int in kinds:
            errors[name] = [gettext("This number has too many digits.")]
        elif not _is(value, kinds):
            problem = gettext("Expected %(expected)s, not %(given)s.")
            errors[name] = [problem % {"expected": described, "given": _json_type(value)}]
    return errors


def _form_field_refuses_null(field):
    # A form reads a missing box as unticked: null would switch off what it names (a department's "active").
    return isinstance(field, forms.BooleanField) and not isinstance(field, forms.NullBooleanField)


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, float):
        # "Expected a whole number, not a number" would refuse 30.5 for what it has in common with 30.
        return _("a decimal number")
    if isinstance(value, (int, OverlongNumber)):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, Mapping):
        return _("an object")
    return _("a list")


JSON_SCHEMA_TYPES = {(str,): "string", (int,): "integer", (int, float): "number", (bool,): "boolean"}


def form_field_schema(field):
    """A form field as OpenAPI describes the JSON value it takes: the type these checks hold it to, its choices
    and limits."""
    kinds, _described = _form_field_types(field)
    schema = {"type": JSON_SCHEMA_TYPES[kinds]}
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        schema["enum"] = [value for value, _label in field.choices if value != ""]
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    lower = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    upper = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    if lower:
        schema["minimum"] = max(lower)
    if upper:
        schema["maximum"] = min(upper)
    if field.help_text:
        schema["description"] = str(field.help_text)
    if not field.required and not _form_field_refuses_null(field):
        schema["type"] = [schema["type"], "null"]
    return schema


def undeclared_field_errors(data, declared):
    """{name: [problem]} for each field of a JSON body that is not among the declared names: dropped, a misspelt one
    ("prioirty": "emergency", "nmae" in an edit) left the request done without it, answered as a success. None for
    a form body (QueryDict), which browsers send with fields of their own (the CSRF token, the button pressed)."""
    if isinstance(data, QueryDict) or not isinstance(data, Mapping):
        return {}
    return {name: [gettext("This request takes no field of this name.")] for name in data if name not in declared}


def form_type_errors(data, fields):
    """{field: [problem]} for JSON values that these form fields would coerce; none for a form body (QueryDict)."""
    if isinstance(data, QueryDict):
        return {}
    return _type_errors(data, fields, _form_field_types, _form_field_refuses_null)


class StrictSerializer(serializers.Serializer):
    """A DRF serializer whose fields refuse JSON values of another type instead of converting them, and that refuses
    a JSON field it does not declare."""

    def to_internal_value(self, data):
        if isinstance(data, QueryDict):
            # A query string keeps the last of a parameter's values silently; the sender may have meant the first.
            lists = (serializers.ListField, serializers.ListSerializer, serializers.MultipleChoiceField,
                     relations.ManyRelatedField)
            repeated = next(
                (name for name, field in self.fields.items()
                 if not isinstance(field, lists) and len(data.getlist(name)) > 1),
                None,
            )
            if repeated is not None:
                raise serializers.ValidationError({repeated: [given_more_than_once(repeated)]})
        # A form body (QueryDict) is text throughout; only JSON says what type a value is.
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            writable = {name: field for name, field in self.fields.items() if not field.read_only}
            errors = {
                **undeclared_field_errors(data, writable),
                **_type_errors(data, writable, _serializer_field_types),
            }
            if errors:
                raise serializers.ValidationError({**self._errors_of_the_other_fields(data, errors), **errors})
        return super().to_internal_value(data)

    def _errors_of_the_other_fields(self, data, refused):
        # The fields not refused for their type are checked too, so that a client learns every bad field in one
        # answer, not the next one only once it has corrected the first.
        try:
            super().to_internal_value({name: value for name, value in data.items() if name not in refused})
        except serializers.ValidationError as invalid:
            return invalid.detail if isinstance(invalid.detail, Mapping) else {}
        return {}
