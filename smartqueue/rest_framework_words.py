"""Django REST framework's answers to API callers, which it ships no Hindi for.

A patient's app asking in Hindi was refused in English where the answer is DRF's own: a method not allowed, a
request not signed in, a body of an unsupported type, a choice not offered, a name too long, an id that is not a
UUID. They are listed here so that `make translations` keeps them in the project's catalogues, which Django reads
before any app's (LOCALE_PATHS): Hindi has them translated, Spanish and Arabic the words DRF's own catalogues give
them.
"""

from django.utils.translation import gettext_noop

REST_FRAMEWORK_WORDS_MISSING_IN_HINDI = (
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("String value too large."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("This field may not be blank."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has at least {min_length} characters."),
    gettext_noop("\"{input}\" is not a valid choice."),
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Expected a date but got a datetime."),
    gettext_noop("Datetime has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Expected a datetime but got a date."),
    gettext_noop("Invalid datetime for the timezone \"{timezone}\"."),
    gettext_noop("Datetime value out of range."),
    gettext_noop("Time has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("This field may not be null."),
    gettext_noop("A valid integer is required."),
    gettext_noop("A valid number is required."),
    gettext_noop("Expected a list of items but got type \"{input_type}\"."),
    gettext_noop("This list may not be empty."),
    gettext_noop("Expected a dictionary of items but got type \"{input_type}\"."),
    gettext_noop("This selection may not be empty."),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("Invalid pk \"{pk_value}\" - object does not exist."),
    gettext_noop("Incorrect type. Expected pk value, received {data_type}."),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop("A server error occurred."),
    gettext_noop("Incorrect authentication credentials."),
    gettext_noop("Method \"{method}\" not allowed."),
    gettext_noop("Could not satisfy the request Accept header."),
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop("Not found."),
    gettext_noop("Malformed request."),
    gettext_noop("You do not have permission to perform this action."),
    gettext_noop("Request was throttled."),
    gettext_noop("Unsupported media type \"{media_type}\" in request."),
    gettext_noop("Invalid input."),
    gettext_noop("This field must be unique."),
    gettext_noop("The fields {field_names} must make a unique set."),
)

# Answers whose Hindi or Spanish the project words itself, to read as the rest of the answer does: Django's Hindi for
# a missing field (which DRF answers with) was "यह क्षेत्र अपेक्षित हैं", a "region" with a plural verb and no full
# stop, beside the project's "यह फ़ील्ड खाली नहीं छोड़ी जा सकती।"; DRF's Spanish "Este campo es requerido." beside
# Django's forms' "Este campo es obligatorio.".
REST_FRAMEWORK_WORDS_REWORDED = (gettext_noop("This field is required."),)
