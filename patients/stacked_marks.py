"""How many accents and other marks one letter of a text typed for others to read may carry.

Marks that take no room of their own (Unicode's nonspacing and enclosing marks) are drawn above or below the
letter before them, each on top of the last. A stranger registering "Eve Ng" with eighteen accents on each letter
("Zalgo" text) had the name drawn over the lines above and below it on the doctor's dashboard and the panel's live
queues: over the token, the buttons and the next department's card. No script writes more than four such marks on
one letter (UTS #39, section 5.4, refuses more than four in a row as a spoofing sign), counted with each accent
apart (NFD), so that a typed "ễ" is two. Spacing marks (the vowel signs of Indic scripts) and invisible format
characters (the joiners) sit between marks without ending the pile: marks after them still stack on the letter.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MARKS_PER_LETTER_MAX = 4
STACKING_MARKS = frozenset({"Mn", "Me"})
WITHIN_A_PILE = frozenset({"Mc", "Cf"})


def check_marks_per_letter(text):
    """Refuse a letter carrying more than MARKS_PER_LETTER_MAX stacking marks."""
    piled = 0
    for character in unicodedata.normalize("NFD", text):
        category = unicodedata.category(character)
        if category in STACKING_MARKS:
            piled += 1
        elif category not in WITHIN_A_PILE:
            piled = 0
        if piled > MARKS_PER_LETTER_MAX:
            raise ValidationError(
                _("Remove the accents or marks piled on one letter: they are drawn over the lines around it."),
                code="stacked_marks",
            )
