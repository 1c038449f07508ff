from django.utils.translation import gettext
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, with the bodies it lets escape as a 500 answered as a 400 naming the problem."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json.loads recurses once per level of nesting: a body of 100,000 "[" exhausts the stack.
            raise ParseError(gettext("The body is not valid JSON: it is nested too deeply.")) from None
        except LookupError:
            # An unknown charset in the Content-Type header.
            raise ParseError(gettext("The body's character set is unknown; send UTF-8 JSON.")) from None
        except ParseError:
            # DRF's own words quote the decoder's ("'utf-8' codec can't decode byte 0xff...").
            raise ParseError(gettext("The body is not valid JSON text in UTF-8.")) from None
        field = field_with_a_lone_surrogate(data)
        if field is not None:
            # JSON's \ud800 escapes decode to text no database, renderer or message can hold.
            raise ValidationError({field: [gettext("Surrogate characters are not allowed.")]})
        return data


def field_with_a_lone_surrogate(data, field=None):
    """The name of the top-level field whose value (or the body itself, "non_field_errors") holds a lone
    surrogate, anywhere inside it; None when there is none."""
    if isinstance(data, str):
        return field or "non_field_errors" if _has_surrogate(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            if _has_surrogate(key):
                return field or "non_field_errors"
            found = field_with_a_lone_surrogate(value, field or key)
            if found is not None:
                return found
    if isinstance(data, list):
        for value in data:
            found = field_with_a_lone_surrogate(value, field)
            if found is not None:
                return found
    return None


def _has_surrogate(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
