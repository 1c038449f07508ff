"""Patients' texts to the hospital's Twilio number: STATUS, LATE or CANCEL (each then YES and its code), HELP, and
STOP / START (no more messages at all, or messages again: the patient's NotificationPreference.opted_out).

Each Twilio message (MessageSid) is stored once, as an InboundMessage with what it did; a redelivery of
the same message finds the row and does nothing. Queue changes go through patients.services, so the
audit, sockets and messages follow as for any other change; the reply is a Notification on the
channel the patient wrote from, sent through the outbox after commit.
"""

import re
import secrets
import string
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from patients import hooks
from patients import services as queue_services
from patients.models import TOKEN_PATTERN, Patient, Queue, format_token
from patients.selectors import open_visits_of
from smartqueue.i18n import listed

from . import outbox
from .models import (
    CONFIRMATION_CODE_DIGITS,
    Channel,
    InboundMessage,
    Notification,
    NotificationPreference,
    NotificationTemplate,
    NumberOptOut,
)
from .services import (
    EFFECTS_THAT_ARE_THE_REPLY,
    HELP_KEYWORD,
    NOT_ANSWERED_OPTED_OUT,
    NOT_ANSWERED_SWITCHED_OFF,
    SEND_REPLY,
    channel_and_skip_reason,
    for_staff,
    is_opted_out,
    message_body,
    message_values,
    render_message,
    reply_text,
    set_message_opt_out,
    set_number_opt_out,
    status_words,
    template_text,
)

TemplateType = NotificationTemplate.TemplateType
Effect = InboundMessage.Effect

STATUS, LATE, CANCEL, CONFIRM = "STATUS", "LATE", "CANCEL", "YES"
HELP = HELP_KEYWORD
STOP, START = "STOP", "START"
# The values of Twilio's OptOutType: the keyword its Advanced Opt-Out handled, and answered itself.
TWILIO_OPT_OUT_TYPES = (STOP, START, HELP)
# What STOP and START do: (opted out afterwards, effect, reply).
SUBSCRIPTION_CHANGES = {
    STOP: (True, Effect.OPTED_OUT, TemplateType.REPLY_OPTED_OUT),
    START: (False, Effect.OPTED_IN, TemplateType.REPLY_OPTED_IN),
}
WHATSAPP_PREFIX = "whatsapp:"
TOKEN_SHAPE = re.compile(TOKEN_PATTERN)
# A YES moves the token back or cancels it only when it follows the patient's LATE or CANCEL within this time, and
# repeats the code the question sent to the patient's number: an SMS sender can be spoofed, and whoever spoofs it
# never sees the question.
CONFIRM_WINDOW = timedelta(minutes=10)
# Wrong or missing codes a token takes, over all its LATEs (or all its CANCELs), before texts can no longer move it
# back (or cancel it): a guesser gets this many tries in 10 ** CONFIRMATION_CODE_DIGITS, however many it sends.
CONFIRMATION_CODE_TRIES = 3


@dataclass(frozen=True)
class Confirmation:
    """What a keyword that a YES must confirm records and sends: the effect of asking, the question (a reply
    template), and the effect of a wrong or missing code."""

    asked: str
    question: str
    code_wrong: str


CONFIRMED_COMMANDS = {
    LATE: Confirmation(
        asked=Effect.LATE_ASKED, question=TemplateType.REPLY_LATE_ASK, code_wrong=Effect.LATE_CODE_WRONG
    ),
    CANCEL: Confirmation(
        asked=Effect.CANCEL_ASKED, question=TemplateType.REPLY_CANCEL_ASK, code_wrong=Effect.CANCEL_CODE_WRONG
    ),
}
COMMAND_ASKED = {confirmation.asked: command for command, confirmation in CONFIRMED_COMMANDS.items()}
CODE_WRONG_EFFECTS = [confirmation.code_wrong for confirmation in CONFIRMED_COMMANDS.values()]

# The words each language's patients may send, by language code; every language's words are accepted
# whatever the patient's language, and English always. A language added to the site adds a row here.
# The English STOP and START words are Twilio's, but CANCEL: here it cancels a token (docs/notifications.md); its HELP
# words too (HELP, INFO), which carriers require be answered even after a STOP.
KEYWORDS = {
    "en": {
        "STATUS": STATUS, "LATE": LATE, "CANCEL": CANCEL, "YES": CONFIRM, "HELP": HELP, "INFO": HELP,
        "STOP": STOP, "STOPALL": STOP, "UNSUBSCRIBE": STOP, "END": STOP, "QUIT": STOP, "REVOKE": STOP, "OPTOUT": STOP,
        "START": START, "UNSTOP": START,
    },
    "es": {
        "ESTADO": STATUS, "TARDE": LATE, "CANCELAR": CANCEL, "SÍ": CONFIRM, "SI": CONFIRM, "AYUDA": HELP,
        "BAJA": STOP, "PARAR": STOP, "ALTA": START,
    },
    "hi": {
        "स्थिति": STATUS, "देर": LATE, "रद्द": CANCEL, "हाँ": CONFIRM, "हां": CONFIRM, "मदद": HELP,
        "बंद": STOP, "बन्द": STOP, "शुरू": START,
        # The English words as Hindi keyboards spell them: many patients type STOP or HELP in Devanagari.
        "स्टेटस": STATUS, "कैंसल": CANCEL, "कैन्सल": CANCEL, "हेल्प": HELP, "स्टॉप": STOP, "स्टाप": STOP,
        "स्टोप": STOP, "स्टार्ट": START,
    },
    "ar": {
        "حالة": STATUS, "تأخير": LATE, "إلغاء": CANCEL, "الغاء": CANCEL, "نعم": CONFIRM, "مساعدة": HELP,
        "إيقاف": STOP, "ايقاف": STOP, "بدء": START,
    },
}


# Arabic's tatweel (a stretch inside a word: "إلغـاء") and its vowel marks (harakat: "إلْغاء") change no word.
ARABIC_STRETCH_AND_VOWEL_MARKS = frozenset(chr(code) for code in (0x0640, *range(0x064B, 0x0660), 0x0670))
# Everyday Arabic typing leaves the hamza off an alef ("تاخير" for "تأخير") and writes a final ta marbuta as ha
# ("مساعده", "حاله") and alef maqsura as ya: each read as its plain letter, as Arabic search does.
ARABIC_PLAIN_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})


def _normalised(word):
    # NFKC folds full-width letters (ＳＴＯＰ) into plain ones; phones add invisible format characters (direction
    # marks around Arabic, zero-width joiners in Hindi, a byte-order mark), which would hide the word otherwise.
    folded = unicodedata.normalize("NFKC", word).casefold().translate(ARABIC_PLAIN_LETTERS)
    return "".join(
        character
        for character in folded
        if unicodedata.category(character) != "Cf" and character not in ARABIC_STRETCH_AND_VOWEL_MARKS
    )


def _runs(word):
    """A word's runs of letters and of digits (ASCII), everything else in it dropped: punctuation of any script
    (the Hindi danda "।", "“STOP”", "«STOP»", "…"), emoji and symbols ("STOP🛑") part words, as a space does, and
    a code typed against its keyword ("YES4821", "YES:4821") is a run of its own. A mark belongs to the letter it
    follows (Hindi's vowel signs); after anything else it is dropped: the variation selector phones put after an emoji
    ("⚠️", "✋️") made a word of its own, and "⚠️ STOP" opted no one out."""
    runs, kind = [], None
    for character in _normalised(word):
        category = unicodedata.category(character)[0]
        if category == "M" and kind != "letter":
            continue
        this_kind = "digit" if category == "N" and character.isdecimal() else "letter" if category in "LM" else None
        if this_kind is None:
            kind = None
            continue
        if this_kind != kind:
            runs.append("")
        runs[-1] += str(unicodedata.digit(character)) if this_kind == "digit" else character
        kind = this_kind
    return runs


def _words(body):
    """The text's words (split on spaces) that have a letter or a digit, each with its runs; an emoji or a sign
    alone ("🛑 STOP", "👍") is no word."""
    return [(word, runs) for word in body.split() if (runs := _runs(word))]


KEYWORD_COMMANDS = {_normalised(word): command for words in KEYWORDS.values() for word, command in words.items()}
# Each word's language, for answering a number no patient has in the language it wrote in (English for the words
# several languages share).
KEYWORD_LANGUAGES = {
    _normalised(word): language for language, words in reversed(KEYWORDS.items()) for word in words
}
# Opt-out words that also begin everyday questions, each with the words that may follow it and still opt out: Twilio's
# END and QUIT ("End time of the clinic?", "Quit-smoking clinic open?") only as the whole text, as Twilio reads them;
# Hindi "बंद" is also "closed" ("बंद कब होता है?", when does it close?), so alone or as "बंद करें" (stop it). STOP and
# the others opt out as a text's first word ("STOP texting me"). Until 2026-12-05 "End time of the clinic today?" and
# "बंद कब होता है?" opted the patient out of their call.
HINDI_DO = frozenset({"करें", "करो", "कीजिए", "कर", "दें", "दो", "दीजिए"})
WHOLE_TEXT_ONLY = {"end": frozenset(), "quit": frozenset(), "बंद": HINDI_DO, "बन्द": HINDI_DO}


# Texts that only acknowledge ("ok", "thanks", "👍"), in each language's words, by language code as KEYWORDS: no reply
# is needed, and the keyword list sent back to each cost the patient a text and the hospital two to four segments. A
# text made only of these (in any order, "ok thanks", "Gracias!!"), or only of ACKNOWLEDGING_EMOJI and punctuation
# without a question mark, is one. A language added to the site adds a row here.
ACKNOWLEDGEMENTS = {
    "en": {
        "ok", "okay", "okey", "k", "kk", "thanks", "thank you", "thank u", "thanks a lot", "many thanks", "thx",
        "thnx", "ty", "cheers", "great", "good", "cool", "fine", "alright", "all right", "got it", "noted", "sure",
        "perfect", "will do", "np", "no problem",
    },
    "es": {
        "vale", "gracias", "muchas gracias", "mil gracias", "de acuerdo", "perfecto", "listo", "bien", "muy bien",
        "bueno", "entendido", "genial", "dale", "ok",
    },
    "hi": {
        "ठीक", "ठीक है", "धन्यवाद", "बहुत धन्यवाद", "शुक्रिया", "बहुत शुक्रिया", "अच्छा", "जी", "ओके", "थैंक्स",
        "थैंक यू", "बढ़िया", "theek hai", "thik hai", "dhanyavad", "dhanyawad", "shukriya", "accha", "acha",
    },
    "ar": {
        "شكرا", "شكرا لك", "شكرا لكم", "شكرا جزيلا", "حسنا", "تمام", "طيب", "اوكي", "أوكي", "مشكور", "مشكورين",
        "ممتاز", "جزاك الله خيرا", "جزاكم الله خيرا",
    },
}
# Emoji that say "ok" or "thank you", with the skin tones and the variation selector phones add to them. Others may
# mean anything ("🛑", "❌", "❓": a stop, a no, a question), and are answered with the keyword list, which says how.
ACKNOWLEDGING_EMOJI = frozenset("👍👌🙏🙂😊😀😃☺❤♥💙💚💛🧡💜✅✔👏🤝💯🌹🌸💐😇🤗") | frozenset(
    chr(code) for code in (*range(0x1F3FB, 0x1F400), 0xFE0F, 0x200D)
)
# Punctuation alone may ask something ("?", "؟"): only a text without a question mark is an acknowledgement.
QUESTION_MARKS = frozenset("?؟¿？⸮")


def _phrase(words):
    return " ".join(run for word in words.split() for run in _runs(word))


ACKNOWLEDGEMENT_PHRASES = sorted(
    {_phrase(phrase) for phrases in ACKNOWLEDGEMENTS.values() for phrase in phrases}, key=len, reverse=True
)


def is_acknowledgement(body):
    """Whether a text only acknowledges ("OK", "thank you!", "ठीक है।", "شكراً 🙏", "👍"), needing no reply; a text
    without anything in it (a picture alone) is not."""
    runs = [run for _word, word_runs in _words(body) for run in word_runs]
    if not runs:
        signs = {
            sign
            for sign in unicodedata.normalize("NFKC", body)
            if not sign.isspace() and unicodedata.category(sign) != "Cf"
        }
        return bool(signs) and all(
            sign in ACKNOWLEDGING_EMOJI or (unicodedata.category(sign)[0] == "P" and sign not in QUESTION_MARKS)
            for sign in signs
        ) and bool(signs & ACKNOWLEDGING_EMOJI)
    left, before = f" {' '.join(runs)} ", None
    while left != before:
        before = left
        for phrase in ACKNOWLEDGEMENT_PHRASES:
            left = left.replace(f" {phrase} ", " ")
    return not left.strip()


def keyword_language(body):
    """The language of a text's first word when it is a keyword ("AYUDA": Spanish), else the site's."""
    words = _words(body)
    return KEYWORD_LANGUAGES.get(words[0][1][0], settings.LANGUAGE_CODE) if words else settings.LANGUAGE_CODE


def read_keyword(body):
    """The command of a text's first word (any case; punctuation, symbols and emoji around it ignored), or "" when
    it has none."""
    words = _words(body)
    if not words:
        return ""
    first, *rest = [run for _word, runs in words for run in runs]
    if first in WHOLE_TEXT_ONLY and any(run not in WHOLE_TEXT_ONLY[first] for run in rest):
        return ""
    return KEYWORD_COMMANDS.get(first, "")


def split_sender(from_address):
    """(channel, phone) of Twilio's From: "whatsapp:+1415..." (any case) is WhatsApp, a bare number SMS."""
    if from_address[: len(WHATSAPP_PREFIX)].lower() == WHATSAPP_PREFIX:
        return Channel.WHATSAPP, from_address[len(WHATSAPP_PREFIX) :]
    return Channel.SMS, from_address


def _ascii_digits(word):
    # Phones set to Arabic or Hindi type the token's number in their own digits ("CARD-٠٠٩", "ENT-००१").
    return "".join(str(unicodedata.digit(character)) if character.isdecimal() else character for character in word)


def read_token(body):
    """The token a text names after its keyword ("LATE card-003", "LATE CARD-3", "CARD-٠٠٣"), as tickets print it;
    "" when the word after the keyword is not shaped as a token ("LATE sorry")."""
    words = [word for word, _runs in _words(body)]
    if len(words) < 2:
        return ""
    word = _ascii_digits(_normalised(words[1]).strip(string.punctuation.replace("-", ""))).upper()
    if not TOKEN_SHAPE.fullmatch(word):
        return ""
    code, number = word.split("-")
    return format_token(code, int(number))


def read_code(body):
    """The digits a text repeats after its keyword ("YES 4821", "SÍ, 4821", "YES4821", "نعم ٤٨٢١" in the phone's own
    digits); "" without any."""
    words = _words(body)
    if not words:
        return ""
    glued = words[0][1][1:]
    if glued and glued[0].isdecimal():
        return glued[0]
    for _word, runs in words[1:]:
        if all(run.isdecimal() for run in runs):
            return "".join(runs)
    return ""


def new_confirmation_code():
    return f"{secrets.randbelow(10**CONFIRMATION_CODE_DIGITS):0{CONFIRMATION_CODE_DIGITS}d}"


def addressed_visit(visits, *, keyword, named_token, confirmation_asked_for):
    """Which of the patient's open tokens a text is about: the one it names; for a YES, the one whose LATE or
    CANCEL awaits it (confirmation_asked_for, its id); for a LATE or CANCEL naming none, the one token it can move back
    or cancel (tokens_it_may_act_on); otherwise the first (a waiting one). None without an open token, when the named
    token is not one of them, or when a LATE or CANCEL could act on several: the patient is asked which."""
    if named_token:
        return next((visit for visit in visits if visit.token.upper() == named_token), None)
    if keyword == CONFIRM:
        awaiting = next((visit for visit in visits if visit.pk == confirmation_asked_for), None)
        if awaiting is not None:
            return awaiting
    if keyword in CONFIRMED_COMMANDS and len(visits) > 1:
        candidates = tokens_it_may_act_on(keyword, visits)
        if len(candidates) > 1:
            return None
        if candidates:
            return candidates[0]
    return visits[0] if visits else None


def _refusal(command, entry):
    """Why a LATE or CANCEL cannot act on the token as it is now, by the checks of the status page's "I'm running
    late" and "Leave the line", the same patient actions; None when it can."""
    check = queue_services.check_movable_back if command == LATE else queue_services.check_leavable
    try:
        check(entry)
    except queue_services.QueueError as error:
        return str(error)
    return None


def tokens_it_may_act_on(command, visits):
    """The patient's open tokens a LATE or CANCEL (command) can move back or cancel now."""
    return [visit for visit in visits if _refusal(command, visit) is None]


def _which_token_words(command, visits):
    """The answer to a LATE or CANCEL naming no token when it could act on several of the patient's: which one?"""
    candidates = tokens_it_may_act_on(command, visits)
    tokens = listed(f"{visit.token} ({visit.department.translated('name')})" for visit in candidates)
    if command == LATE:
        words = gettext(
            "You have more than one token today: %(tokens)s. To be moved back, reply LATE followed by the token, "
            "for example LATE %(token)s."
        )
    else:
        words = gettext(
            "You have more than one token today: %(tokens)s. To cancel one, reply CANCEL followed by its token, for "
            "example CANCEL %(token)s."
        )
    return words % {"tokens": tokens, "token": candidates[0].token}


def _pending_question(inbound):
    """The LATE or CANCEL a YES in this text may confirm: the patient's text just before it (wrong codes tried on it,
    and an "ok" or "thanks" to the question, aside), from the same number, recently enough, its code sent; None
    otherwise, or once its token took CONFIRMATION_CODE_TRIES wrong codes for that keyword. Any other text in between
    keeps the place, as the question says; a question asked of the number the desk corrected away (a stranger's) is
    not the patient's to confirm."""
    earlier = InboundMessage.objects.filter(patient=inbound.patient).exclude(pk=inbound.pk)
    previous = earlier.exclude(effect__in=[*CODE_WRONG_EFFECTS, Effect.NO_REPLY_NEEDED]).first()
    if previous is None or previous.effect not in COMMAND_ASKED or not previous.confirmation_code:
        return None
    if previous.from_phone != inbound.from_phone or previous.received_at < timezone.now() - CONFIRM_WINDOW:
        return None
    return None if _codes_used_up(previous.queue_entry_id, COMMAND_ASKED[previous.effect]) else previous


def _question_outlived(pending_question, visits, named_token):
    """What a YES to a LATE or CANCEL answers when the token it was asked about left the line since (moved to another
    department, cancelled by the desk, seen) while the patient holds another: nothing is done, to either, and the words
    say where that token is now. None when the question's token is still open, or the text names a token. Until
    2026-12-06 such a YES, to "cancel CARD-001?", was answered with the keyword list, which said nothing of the
    cancellation the patient believed they had confirmed."""
    if pending_question is None or named_token or any(visit.pk == pending_question.queue_entry_id for visit in visits):
        return None
    asked = Queue.objects.select_related("department").get(pk=pending_question.queue_entry_id)
    moved_to = asked.successor
    while moved_to is not None and moved_to.status not in Queue.ACTIVE_STATUSES:
        moved_to = moved_to.successor
    if moved_to is not None:
        return gettext(
            "Token %(token)s is no longer in line: it was moved to %(department)s as token %(new_token)s. Nothing was "
            "done to either."
        ) % {"token": asked.token, "department": moved_to.department.translated("name"), "new_token": moved_to.token}
    return gettext("Token %(token)s is no longer in line: nothing was done.") % {"token": asked.token}


def _wrong_codes(visit_id, command):
    wrong = CONFIRMED_COMMANDS[command].code_wrong
    return InboundMessage.objects.filter(queue_entry_id=visit_id, effect=wrong).count()


def _codes_used_up(visit_id, command):
    return _wrong_codes(visit_id, command) >= CONFIRMATION_CODE_TRIES


def _no_more_by_text(command, entry):
    if command == LATE:
        text = gettext(
            "Token %(token)s can no longer be moved back by text: a wrong code was sent too many times. To be moved "
            "back, please ask at the reception desk."
        )
    else:
        text = gettext(
            "Token %(token)s can no longer be cancelled by text: a wrong code was sent too many times. To cancel it, "
            "please ask at the reception desk."
        )
    return text % {"token": entry.token}


def _code_wrong_words(command, entry):
    if command == LATE:
        text = gettext(
            "Token %(token)s is not moved back: the code is missing or wrong, and you keep your place. To be moved "
            "back, reply YES followed by the %(digits)s-digit code from our message."
        )
    else:
        text = gettext(
            "Token %(token)s is not cancelled: the code is missing or wrong, and you keep your place. To cancel "
            "it, reply YES followed by the %(digits)s-digit code from our message."
        )
    return text % {"token": entry.token, "digits": CONFIRMATION_CODE_DIGITS}


def _opted_out(patient, phone):
    """Whether the sender asked for no messages: the patient, or the number no patient has (its NumberOptOut)."""
    if patient is None:
        return NumberOptOut.objects.filter(phone=phone).exists()
    return is_opted_out(patient, NotificationPreference.objects.filter(patient=patient).first())


def _command(keyword, *, opt_out_type, patient, phone, confirms_question, alone):
    """What the text asks. Twilio's OptOutType comes first: its STOP has already blocked the number, whatever
    the words. A YES confirms a pending LATE or CANCEL; otherwise, alone in the text (alone: the text is one word),
    as Twilio reads it, it opts the sender back in, a patient or a number no patient has (Twilio has unblocked it):
    "Si llego tarde..." ("if I come late") is no YES to messages."""
    if opt_out_type in (STOP, HELP):
        return opt_out_type
    if confirms_question:
        return CONFIRM
    if opt_out_type == START or (keyword == CONFIRM and alone and _opted_out(patient, phone)):
        return START
    return keyword


def _ask_to_confirm(command, entry):
    """A LATE or CANCEL is asked to be confirmed with a code, once the token, as it is now, allows it: by the checks of
    the status page's "I'm running late" and "Leave the line", the same patient actions."""
    refusal = _refusal(command, entry)
    if refusal is not None:
        return Effect.REFUSED, TemplateType.REPLY_REFUSED, refusal
    if _codes_used_up(entry.pk, command):
        return Effect.REFUSED, TemplateType.REPLY_REFUSED, _no_more_by_text(command, entry)
    confirmation = CONFIRMED_COMMANDS[command]
    return confirmation.asked, confirmation.question, ""


def _confirm(command, entry, *, pending_question, code):
    """The YES to a LATE or CANCEL's question: done when it repeats the question's code, else the place is kept."""
    if not secrets.compare_digest(code, pending_question.confirmation_code):
        wrong = CONFIRMED_COMMANDS[command].code_wrong
        if _wrong_codes(entry.pk, command) + 1 >= CONFIRMATION_CODE_TRIES:
            return wrong, TemplateType.REPLY_REFUSED, _no_more_by_text(command, entry)
        return wrong, TemplateType.REPLY_REFUSED, _code_wrong_words(command, entry)
    try:
        if command == LATE:
            queue_services.postpone_running_late(entry=entry)
            return Effect.POSTPONED, TemplateType.REPLY_LATE, ""
        queue_services.leave_line(entry=entry)
    except queue_services.QueueError as error:
        return Effect.REFUSED, TemplateType.REPLY_REFUSED, str(error)
    return Effect.CANCELLED, TemplateType.REPLY_CANCELLED, ""


def _act(command, patient, entry, visits, *, pending_question, code):
    """Carry out the command for the patient and their open visit (None without one), one of their open visits
    of today: (effect, reply template or None for no reply, text for the reply's {message}). pending_question is
    the LATE or CANCEL this text's YES confirms when it repeats its code (code, the digits the text carries)."""
    if command in SUBSCRIPTION_CHANGES:
        opted_out, effect, template_type = SUBSCRIPTION_CHANGES[command]
        set_message_opt_out(patient=patient, opted_out=opted_out)
        return effect, template_type, ""
    if entry is None:
        # Their visit is over, or they have not come yet: told so and how to join a line, not left wondering
        # whether a LATE or CANCEL sent after it counted.
        return Effect.NO_OPEN_VISIT, TemplateType.REPLY_NO_TOKEN, ""
    if command == STATUS:
        return Effect.STATUS_SENT, TemplateType.REPLY_STATUS, status_words(entry, visits)
    if command in CONFIRMED_COMMANDS:
        return _ask_to_confirm(command, entry)
    if command == CONFIRM and pending_question is not None:
        return _confirm(COMMAND_ASKED[pending_question.effect], entry, pending_question=pending_question, code=code)
    return Effect.HELP_SENT, TemplateType.REPLY_HELP, ""


DETAIL_LENGTH = InboundMessage._meta.get_field("detail").max_length


def _as_detail(words):
    """Why a text was refused, as its row keeps it for staff: cut to the field with "…" when longer (long department
    names, several tokens), which PostgreSQL refused with a 500 that lost the patient's text; the reply says it
    whole."""
    return words if len(words) <= DETAIL_LENGTH else words[: DETAIL_LENGTH - 1] + "…"


def _replies_used_up(patient):
    """Why the patient's texts get no reply now, for staff ("" while they do): answered as often as
    INBOUND_REPLIES_PER_WINDOW allows in the last window, or INBOUND_REPLIES_PER_DAY in the last 24 hours. The window
    alone let an auto-responder answering our replies have 5 every 10 minutes for as long as it ran, 720 a day."""
    now, answered = timezone.now(), InboundMessage.objects.filter(patient=patient, reply__isnull=False)
    window = timedelta(seconds=settings.INBOUND_REPLY_WINDOW_SECONDS)
    if answered.filter(received_at__gt=now - window).count() >= settings.INBOUND_REPLIES_PER_WINDOW:
        return gettext_noop("Not answered: this phone had as many replies as a few minutes allow.")
    if answered.filter(received_at__gt=now - timedelta(days=1)).count() >= settings.INBOUND_REPLIES_PER_DAY:
        return gettext_noop("Not answered: this phone had as many replies as a day allows.")
    return ""


def _reply(inbound, template_type, message, *, confirmation_code=""):
    """The answer to an inbound text, on the channel it came from, and why there is none ("" when there is). None when
    the patient opted out (a STOP's confirmation and a HELP's answer are all they still get), had their replies of the
    window, or admins switched that reply off. confirmation_code fills a LATE or CANCEL question's {code}."""
    patient, entry = inbound.patient, inbound.queue_entry
    _channel, skip_reason = channel_and_skip_reason(patient, template_type, answers_help=inbound.keyword == HELP)
    if skip_reason:
        return None, for_staff(NOT_ANSWERED_OPTED_OUT)
    if template_type != TemplateType.REPLY_OPTED_OUT and (used_up := _replies_used_up(patient)):
        return None, for_staff(used_up)
    text = reply_text(template_type, inbound.channel, patient.language)
    if text is None:
        return None, for_staff(NOT_ANSWERED_SWITCHED_OFF)
    if entry is None:
        values = {"name": patient.name, "link": settings.SITE_URL + reverse("patients:register")}
    else:
        entry = Queue.objects.select_related("patient", "department", "doctor__user").get(pk=entry.pk)
        values = message_values(entry, template_type, message)
    reply = Notification.objects.create(
        patient=patient,
        queue_entry=entry,
        channel=inbound.channel,
        event=template_type,
        idempotency_key=f"inbound-{inbound.message_sid}",
        body=message_body(render_message(text, **values | {"code": confirmation_code}), inbound.channel),
        message=message,
    )
    return reply, ""


def _answer_unknown_number(inbound, template_type, language):
    """The answer to a number no patient has, in the language of its keyword, saying nothing of any patient: to its
    HELP, which carriers require be answered (after its STOP too), what this number is and how to get a token; to its
    STOP or START, the confirmation. Each once a number per INBOUND_UNKNOWN_NUMBER_ANSWER_SECONDS, and
    INBOUND_UNKNOWN_NUMBER_ANSWERS_PER_HOUR for all such numbers: a sender can be spoofed, and answers must not text a
    victim over and over, nor run up the hospital's bill. Returns (reply, why there is none)."""
    now = timezone.now()
    answered = Notification.objects.filter(patient=None, created_at__gt=now - timedelta(hours=1))
    if answered.count() >= settings.INBOUND_UNKNOWN_NUMBER_ANSWERS_PER_HOUR:
        return None, for_staff(gettext_noop("Not answered: unknown numbers had as many answers as an hour allows."))
    text = template_text(template_type, inbound.channel, language)
    if text is None:
        return None, for_staff(NOT_ANSWERED_SWITCHED_OFF)
    with translation.override(language):
        body = render_message(text, link=settings.SITE_URL + reverse("patients:register"))
    # Keyed by number and period, so that texts arriving at once from one number share one answer.
    period = int(now.timestamp()) // settings.INBOUND_UNKNOWN_NUMBER_ANSWER_SECONDS
    reply, created = Notification.objects.get_or_create(
        idempotency_key=f"unknown-number-{template_type}-{inbound.from_phone}-{period}",
        defaults={
            "to_phone": inbound.from_phone,
            "channel": inbound.channel,
            "event": template_type,
            "body": message_body(body, inbound.channel),
        },
    )
    if not created:
        return None, for_staff(gettext_noop("Not answered: this number had the same answer a short while ago."))
    return reply, ""


@transaction.atomic
def receive_text(*, message_sid, from_address, body, segments=None, opt_out_type=""):
    """Store and act on one text a patient sent; returns (InboundMessage, acted).

    opt_out_type is Twilio's OptOutType (STOP, START or HELP), sent when its Advanced Opt-Out handled the
    text and answered it: the text is acted on as that keyword, and not answered again.
    segments is the SMS parts Twilio counted for the text (its NumSegments), None when it did not say.
    acted is False for a redelivery of a message already received (same MessageSid): it changes nothing.
    Two deliveries at once are serialised by the unique MessageSid: the second waits for the first
    to commit, then finds its row.
    """
    channel, phone = split_sender(from_address)
    inbound, created = InboundMessage.objects.get_or_create(
        message_sid=message_sid,
        defaults={
            "channel": channel, "from_phone": phone, "body": body, "segments": segments, "effect": Effect.NO_OPEN_VISIT
        },
    )
    if not created:
        return inbound, False
    # Locked, so that texts from one phone arriving at once count against its reply limit one after the other.
    inbound.patient = Patient.objects.select_for_update().filter(phone=phone).first()
    keyword, named_token = read_keyword(body), read_token(body)
    visits = open_visits_of(inbound.patient) if inbound.patient else []
    pending_question = _pending_question(inbound) if keyword == CONFIRM and visits else None
    asked_for = pending_question.queue_entry_id if pending_question else None
    entry = addressed_visit(visits, keyword=keyword, named_token=named_token, confirmation_asked_for=asked_for)
    confirms_question = entry is not None and entry.pk == asked_for
    inbound.keyword = _command(
        keyword,
        opt_out_type=opt_out_type,
        patient=inbound.patient,
        phone=phone,
        confirms_question=confirms_question,
        alone=len(_words(body)) == 1,
    )
    if inbound.patient is None and inbound.keyword in SUBSCRIPTION_CHANGES:
        # Kept by number, for whoever registers with it: no message may reach a number that asked for none.
        opted_out, inbound.effect, confirmation = SUBSCRIPTION_CHANGES[inbound.keyword]
        set_number_opt_out(phone=phone, opted_out=opted_out)
        if opt_out_type not in TWILIO_OPT_OUT_TYPES:
            # Twilio confirms only its English words, by SMS: a STOP on WhatsApp or in another language was not.
            inbound.reply, inbound.detail = _answer_unknown_number(inbound, confirmation, keyword_language(body))
    if not inbound.keyword and is_acknowledgement(body):
        inbound.queue_entry, inbound.effect = entry, Effect.NO_REPLY_NEEDED
    elif inbound.patient is None and inbound.keyword == HELP and opt_out_type not in TWILIO_OPT_OUT_TYPES:
        inbound.reply, inbound.detail = _answer_unknown_number(
            inbound, TemplateType.REPLY_ABOUT_NUMBER, keyword_language(body)
        )
        inbound.effect = Effect.NUMBER_EXPLAINED if inbound.reply is not None else Effect.NOT_ANSWERED
    elif inbound.patient is not None:
        inbound.queue_entry = entry
        # A refusal's reason is part of the reply: both are worded in the patient's language.
        with translation.override(inbound.patient.language):
            if visits and entry is None and inbound.keyword in CONFIRMED_COMMANDS and not named_token:
                # A LATE or CANCEL that could act on several of their tokens: nothing is done until they name one.
                inbound.queue_entry = visits[0]
                inbound.effect, template_type = Effect.WHICH_TOKEN, TemplateType.REPLY_REFUSED
                message = _which_token_words(inbound.keyword, visits)
            elif visits and entry is None and inbound.keyword in (STATUS, LATE, CANCEL, CONFIRM):
                # A token that is not one of theirs: nothing is done to another of their tokens instead.
                inbound.queue_entry = visits[0]
                inbound.effect, template_type, message = Effect.REFUSED, TemplateType.REPLY_REFUSED, gettext(
                    "You have no open token %(token)s today. Your tokens: %(tokens)s."
                ) % {"token": named_token, "tokens": listed(visit.token for visit in visits)}
            elif inbound.keyword == CONFIRM and (outlived := _question_outlived(pending_question, visits, named_token)):
                inbound.effect, template_type, message = Effect.REFUSED, TemplateType.REPLY_REFUSED, outlived
            else:
                inbound.effect, template_type, message = _act(
                    inbound.keyword,
                    inbound.patient,
                    entry,
                    visits,
                    pending_question=pending_question if confirms_question else None,
                    code=read_code(body),
                )
            if inbound.effect in (Effect.REFUSED, Effect.WHICH_TOKEN, *CODE_WRONG_EFFECTS):
                inbound.detail = _as_detail(message)
            if template_type is not None and opt_out_type not in TWILIO_OPT_OUT_TYPES:
                code = new_confirmation_code() if inbound.effect in COMMAND_ASKED else ""
                inbound.reply, why_unanswered = _reply(inbound, template_type, message, confirmation_code=code)
                # A question that was not sent (an opted-out patient, replies used up) leaves nothing to confirm.
                inbound.confirmation_code = code if inbound.reply is not None else ""
                if inbound.reply is None and inbound.effect in EFFECTS_THAT_ARE_THE_REPLY:
                    inbound.effect, inbound.detail = Effect.NOT_ANSWERED, why_unanswered
    inbound.save()
    if inbound.reply is not None:
        outbox.enqueue_after_commit([(SEND_REPLY, {"notification_id": inbound.reply.pk})])
    hooks.record_action(
        action="inbound.received",
        target=inbound,
        after={"keyword": inbound.keyword, "effect": inbound.effect, "channel": channel},
    )
    return inbound, True
