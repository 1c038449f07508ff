"""What a patient's name may hold. It opens every text message the hospital sends to the patient's phone, and
anyone may type it with a number that is not theirs: a "name" carrying a web address, an e-mail address or a
number to call would be a stranger's words sent from the hospital's number."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Any script's digits (\d is Unicode), an e-mail address's @, a web address's scheme or www.
_NOT_IN_A_NAME = re.compile(r"\d|@|://|www\.", re.IGNORECASE)


def check_person_name(name):
    if _NOT_IN_A_NAME.search(name):
        raise ValidationError(
            _("A name holds letters only: no digits, web addresses or e-mail addresses."), code="invalid"
        )
