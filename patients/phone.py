"""Phone numbers as patients type them, normalised to E.164 so a returning patient is matched."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumbers import geocoder

from smartqueue.i18n import listed

# Longer than any real number with spaces and dashes, short enough to refuse pasted junk early.
MAX_TYPED_PHONE_LENGTH = 32
ANY_REGION = "*"
# Numbers no patient carries, whose texts cost the sender extra or reach no handset. Personal numbers (the UK's 070)
# forward to a phone their owner names, and texts to them pay their owner: a favourite of SMS pumping.
UNTEXTABLE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.VOICEMAIL,
        phonenumbers.PhoneNumberType.PAGER,
    }
)


def normalise_phone(typed):
    """E.164 form of a typed number (default region from settings); ValidationError when it is not a real number."""
    typed = (typed or "").strip()
    if not typed:
        raise ValidationError(_("Enter a phone number."), code="required")
    if len(typed) > MAX_TYPED_PHONE_LENGTH:
        raise ValidationError(
            _("A phone number has at most %(count)s characters."),
            code="max_length",
            params={"count": MAX_TYPED_PHONE_LENGTH},
        )
    try:
        number = phonenumbers.parse(typed, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a valid phone number, with the country code if it is not a local number (e.g. +14155550123)."),
            code="invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_e164(phone):
    """Whether a number is written in E.164 form (+, country code, a possible length), whether or not the phone
    metadata lists its range: a sender Twilio reports may be on a range allocated since the library's data, or one a
    patient's number was stored on before the metadata dropped it, and their STOP must still count."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_possible_number(number)
        and phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    )


def clean_phone_fields(instance, exclude, *names, blank=False):
    """Model.clean_fields' part for phone fields: each stored in E.164, the one form every lookup by number compares
    (a returning patient, a STOP kept for a number, a reply's sender), whichever form saves it (Django admin too).

    A number left as stored is not checked again: one kept before this check, or that the phone metadata no longer
    calls valid, must not stop the record's other fields being edited."""
    stored = {}
    if instance.pk is not None:
        stored = type(instance).objects.filter(pk=instance.pk).values(*names).first() or {}
    errors = {}
    for name in names:
        typed = getattr(instance, name)
        if name in (exclude or ()) or (blank and not (typed or "").strip()) or typed == stored.get(name):
            continue
        try:
            setattr(instance, name, normalise_phone(typed))
        except ValidationError as error:
            errors[name] = error.error_list
    if errors:
        raise ValidationError(errors)


def check_self_service_phone(e164):
    """ValidationError unless a patient registering or booking by themselves may give this number (E.164): one of
    settings.SELF_SERVICE_PHONE_REGIONS, and not premium-rate, shared-cost, toll-free or another kind no patient
    carries. Each such registration texts the number typed, whoever's it is: numbers an accomplice is paid for
    (premium-rate, or in costly regions) would make the hospital pay for its texts ("SMS pumping"). Reception staff
    register any number."""
    number = phonenumbers.parse(e164)
    regions = settings.SELF_SERVICE_PHONE_REGIONS
    if ANY_REGION not in regions and phonenumbers.region_code_for_number(number) not in regions:
        raise ValidationError(
            _("We can only text numbers from %(regions)s here: please ask at the desk to register."),
            code="region",
            params={"regions": listed(region_names(regions))},
        )
    if phonenumbers.region_code_for_number(number) == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        # Any region ("*") is any country's: satellite phones and international networks (+881, +882, +883, +870)
        # are no country's, cost the most to text, and are where SMS pumping sends its texts.
        raise ValidationError(
            _("We cannot text satellite numbers or numbers of no country here: please ask at the desk to register."),
            code="no_country",
        )
    if phonenumbers.number_type(number) in UNTEXTABLE_TYPES:
        raise ValidationError(
            _("Give a mobile number we can text: premium-rate, toll-free and shared numbers cannot be used."),
            code="untextable",
        )


def region_names(regions):
    """The regions' names in the active language (English where the phone metadata has no such name)."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    names = []
    for region in regions:
        example = phonenumbers.example_number(region)
        names.append((example and geocoder.country_name_for_number(example, language)) or region)
    return names
