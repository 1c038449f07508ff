import codecs

from django.utils.translation import gettext
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json


def given_more_than_once(key):
    """The refusal of a field or key sent more than once, however it came: a form, a query string, a JSON body."""
    return gettext('"%(key)s" is given more than once.') % {"key": key}


def repeated_field(data):
    """The first field of a form body or query string (a QueryDict) given more than once, else None."""
    return next((name for name, values in data.lists() if len(values) > 1), None)


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, with the bodies it lets escape as a 500, or reads wrongly, answered as a 400 naming the
    problem."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = self._load(stream, parser_context or {})
        except RecursionError:
            # json.loads recurses once per level of nesting: a body of 100,000 "[" exhausts the stack.
            raise ParseError(gettext("The body is not valid JSON: it is nested too deeply.")) from None
        except LookupError:
            # An unknown charset in the Content-Type header.
            raise ParseError(gettext("The body's character set is unknown; send UTF-8 JSON.")) from None
        except (ParseError, ValueError):
            # The decoder's own words ("'utf-8' codec can't decode byte 0xff...") mean nothing to the client.
            raise ParseError(gettext("The body is not valid JSON text in UTF-8.")) from None
        field = field_with_a_lone_surrogate(data)
        if field is not None:
            # JSON's \ud800 escapes decode to text no database, renderer or message can hold.
            raise ValidationError({field: [gettext("Surrogate characters are not allowed.")]})
        field, key = field_with_a_repeated_key(data)
        if field is not None:
            # json keeps the last of a repeated key's values silently; the client may have meant the first.
            raise ValidationError({field: [given_more_than_once(key)]})
        return data

    def _load(self, stream, parser_context):
        # DRF's JSONParser.parse, with hooks it offers no way to pass.
        text = codecs.getreader(get_encoding(parser_context))(stream)
        parse_constant = json.strict_constant if self.strict else None
        return json.load(text, parse_constant=parse_constant, parse_int=_whole_number, object_pairs_hook=_json_object)


def load_marking_repeated_keys(text):
    """json.loads, with each object that gives a key more than once marked for field_with_a_repeated_key."""
    return json.loads(text, object_pairs_hook=_json_object)


class OverlongNumber(str):
    """A JSON whole number with more digits than Python converts (sys.get_int_max_str_digits(), 4,300: converting
    takes time growing with the square of the length), kept as its digits so the field it was given for refuses it
    by name instead of the whole body being unreadable."""


def _whole_number(digits):
    try:
        return int(digits)
    except ValueError:
        return OverlongNumber(digits)


class _ObjectWithARepeatedKey(dict):
    """A JSON object that gives a key more than once; holds the last value of each, as json's own objects do."""

    def __init__(self, pairs, repeated_key):
        super().__init__(pairs)
        self.repeated_key = repeated_key


def _json_object(pairs):
    seen = set()
    for key, _value in pairs:
        if key in seen:
            return _ObjectWithARepeatedKey(pairs, key)
        seen.add(key)
    return dict(pairs)


def field_with_a_repeated_key(data):
    """(field, key) for the first object in the parsed body that gives a key twice: the key itself is the field at
    the top level, else the top-level field holding that object; (None, None) when every key is given once."""
    if isinstance(data, _ObjectWithARepeatedKey):
        return data.repeated_key, data.repeated_key
    for field, value in data.items() if isinstance(data, dict) else []:
        inner = first_value_inside(value, lambda item: isinstance(item, _ObjectWithARepeatedKey))
        if inner is not None:
            return field, inner.repeated_key
    return None, None


def field_with_a_lone_surrogate(data):
    """The name of the top-level field whose value (or the body itself, "non_field_errors") holds a lone
    surrogate, anywhere inside it; None when there is none."""
    if isinstance(data, dict):
        if any(_has_surrogate(key) for key in data):
            return "non_field_errors"
        for field, value in data.items():
            if first_value_inside(value, _is_or_keys_a_surrogate) is not None:
                return field
        return None
    return "non_field_errors" if first_value_inside(data, _is_or_keys_a_surrogate) is not None else None


def first_value_inside(data, wanted):
    """The first value, data itself or any inside it, that wanted(value) is true of; None when there is none."""
    if wanted(data):
        return data
    for value in data.values() if isinstance(data, dict) else data if isinstance(data, list) else []:
        found = first_value_inside(value, wanted)
        if found is not None:
            return found
    return None


def _is_or_keys_a_surrogate(value):
    if isinstance(value, str):
        return _has_surrogate(value)
    return isinstance(value, dict) and any(_has_surrogate(key) for key in value)


def _has_surrogate(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
