from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, with the bodies it lets escape as a 500 answered as a 400 naming the problem."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json.loads recurses once per level of nesting: a body of 100,000 "[" exhausts the stack.
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        except LookupError as error:
            # An unknown charset in the Content-Type header.
            raise ParseError(f"JSON parse error - unknown encoding: {error}") from None
