"""What a patient's name may hold. It opens every text message the hospital sends to the patient's phone, and
anyone may type it with a number that is not theirs: a "name" carrying a web address, an e-mail address or a
number to call would be a stranger's words sent from the hospital's number.

A name is checked as a phone would show it: full-width and other compatibility forms folded (NFKC), so
"Ｗｗｗ．ｅｖｉｌ．ｃｏｍ" is "Www.evil.com". It holds letters of any script (with their marks), spaces and the
punctuation of names; at least one letter; no invisible formatting characters but the joiners some scripts
write with (a right-to-left override shows "Ann\u202emoc.live" as "Annevil.com") and no letter no font draws
(Hangul's fillers), no domain name, and no more accents on a letter than a script writes (stacked_marks: a pile of
them is drawn over the staff screens' lines).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .stacked_marks import check_marks_per_letter

# Apostrophes, hyphens, initials' dots, "a/l" (Malay: son of), a suffix in brackets.
NAME_PUNCTUATION = frozenset(" '’‘-.,/()")
# Zero-width non-joiner and joiner shape letters in Persian, Hindi and other scripts' names.
JOINERS = frozenset("\u200c\u200d")
# Hangul's fillers (the half-width one folds to U+3164) are letters to Unicode that no font draws: a name of them
# alone is blank on the staff screens and in the patient's texts ("Hello ,"), as a name of zero-width spaces was.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164")
# A letter, a dot, then two letters or more: evil.com, pay.example (a name's initials have a space after the dot).
DOMAIN_NAME = re.compile(r"[^\W\d_]\.[^\W\d_]{2,}")


def _in_a_name(character):
    if character in INVISIBLE_LETTERS:
        return False
    return character in NAME_PUNCTUATION or character in JOINERS or unicodedata.category(character)[0] in "LM"


def check_person_name(name):
    folded = unicodedata.normalize("NFKC", name)
    has_a_letter = any(unicodedata.category(character)[0] == "L" for character in folded)
    if not has_a_letter or not all(map(_in_a_name, folded)) or DOMAIN_NAME.search(folded):
        raise ValidationError(
            _("A name holds letters only: no digits, web addresses or e-mail addresses."), code="invalid"
        )
    check_marks_per_letter(name)
