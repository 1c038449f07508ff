"""Every page in every language: complete catalogues, compiled copies in sync, lang/dir on each page, and no
word left in English on a translated page. A failure lists the msgids to translate per language (docs/i18n.md)."""

import re
from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import django
import django.db
import polib
import pytest
from django.conf import settings
from django.core import signing
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver
from django.utils import formats, timezone, translation
from django.utils.translation import trans_real

from adminpanel.management.commands.compile_translations import catalogues
from adminpanel.models import AdminUser, SystemConfiguration
from notifications.defaults import install_default_templates
from notifications.models import NotificationTemplate
from patients import services
from patients.models import Appointment, Queue
from patients.views import SENT_TO_PHONE_SALT
from smartqueue import errors
from smartqueue.middleware import DatabaseUnavailableMiddleware
from smartqueue.rest_framework_words import REST_FRAMEWORK_WORDS_MISSING_IN_HINDI, REST_FRAMEWORK_WORDS_REWORDED

ROOT = Path(settings.BASE_DIR)
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
RIGHT_TO_LEFT = {"ar"}
DOMAINS = ["django", "djangojs"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
# Pages that are not the app's own (Django admin, API schema, sockets' HTTP fallbacks) or not pages at all.
NOT_PAGES = re.compile(r"^(admin/|api/|i18n/|healthz|readyz|notifications/)|/api/|\.json$|\.csv$|logout/$")


def catalogue(language, domain):
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.po"))


def entry_key(entry):
    return (entry.msgctxt, entry.msgid)


def translations(entries):
    return {entry_key(entry): entry.msgstr_plural or entry.msgstr for entry in entries}


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalogue_is_complete_and_its_committed_compiled_copy_matches(language, domain, tmp_path):
    po = catalogue(language, domain)
    assert not [entry.msgid for entry in po.fuzzy_entries()], f"{language}/{domain}.po: fuzzy entries"
    assert not [entry.msgid for entry in po.untranslated_entries()], f"{language}/{domain}.po: untranslated"
    compiled = tmp_path / f"{domain}.mo"
    po.save_as_mofile(str(compiled))
    committed = ROOT / "locale" / language / "LC_MESSAGES" / f"{domain}.mo"
    assert translations(polib.mofile(str(committed))) == translations(polib.mofile(str(compiled))), (
        f"{committed} is out of date: run `make compile-translations` and commit it"
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_language_translates_the_same_msgids(domain):
    """An entry one language has and another lacks is stale there (its English was reworded and the old msgid
    kept: the Hindi and Arabic catalogues kept the shift warning's first wording) or missing from the other."""
    keys = {language: {entry_key(entry) for entry in catalogue(language, domain)} for language in TRANSLATED}
    every = set.union(*keys.values())
    differing = {language: sorted(every - held, key=str) for language, held in keys.items() if every - held}
    assert not differing, f"{domain}: msgids some languages lack (stale in the others, or untranslated): {differing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder_of_the_english(language):
    """A lost %(token)s breaks the message at run time, a lost {link} leaves the patient without it."""
    wrong = []
    for domain in DOMAINS:
        for entry in catalogue(language, domain):
            english = sorted(PLACEHOLDER.findall(entry.msgid))
            # Either English form's: a language's form for one item may give the number the English leaves out.
            either_form = set(english) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
            for text in entry.msgstr_plural.values() if entry.msgstr_plural else [entry.msgstr]:
                # A plural form for one item may say "one" in words instead of the number.
                found = [name for name in sorted(PLACEHOLDER.findall(text))]
                if found != english and not (entry.msgstr_plural and set(found) <= either_form):
                    wrong.append(f"{entry.msgid!r}: {text!r}")
    assert not wrong, f"{language}: placeholders differ from the English:\n" + "\n".join(wrong)


# The number a plural message counts: the scripts' %s, the server's %(count)s, %(minutes)s or %(hours)s, Django admin's
# %(counter)s.
COUNTED_NUMBER = re.compile(r"%s|%\((?:count|counter|minutes|hours|limit_value)\)[sd]")
ARABIC_ONE, ARABIC_TWO = 1, 2  # Plural-Forms indexes of n == 1 and n == 2


def test_arabic_says_one_and_two_in_words_not_with_the_number():
    """One minute is "دقيقة واحدة", two the dual "دقيقتين", neither with a digit: "بعد 2 دقيقة" is wrong Arabic."""
    wrong = []
    for domain in DOMAINS:
        for entry in catalogue("ar", domain):
            if not entry.msgid_plural:
                continue
            counted = COUNTED_NUMBER.search(entry.msgid_plural)
            assert counted, f"teach COUNTED_NUMBER the number of {entry.msgid!r}"
            # The first number is the one counted ("%(hours)s h %(minutes)s min": ساعة و15 د keeps the minutes').
            wrong += [
                f"{entry.msgid!r}[{index}]: {entry.msgstr_plural[index]!r}"
                for index in (ARABIC_ONE, ARABIC_TWO)
                if counted.group() in entry.msgstr_plural[index]
            ]
    assert not wrong, "Arabic forms for one and two that show the number:\n" + "\n".join(wrong)


ARABIC_HUNDREDS = 5  # Plural-Forms index of 100-102, 200, ...: the number's noun is singular, without tanween
COUNTED_NOUN_WITH_TANWEEN = re.compile(f"(?:{COUNTED_NUMBER.pattern})" + r" \S+\u064b")


def test_arabic_counts_hundreds_with_the_singular_noun_not_the_accusative():
    """"100 حرف" (genitive singular), not "100 حرفًا", which is the form for 11 to 99 only."""
    wrong = [
        f"{entry.msgid!r}: {entry.msgstr_plural[ARABIC_HUNDREDS]!r}"
        for domain in DOMAINS
        for entry in catalogue("ar", domain)
        if entry.msgid_plural and COUNTED_NOUN_WITH_TANWEEN.search(entry.msgstr_plural[ARABIC_HUNDREDS])
    ]
    assert not wrong, "Arabic forms for a hundred with the accusative of 11 to 99:\n" + "\n".join(wrong)


# Languages whose quotation marks are « », not the English “ ” a translator may carry over from the msgid.
ANGLE_QUOTED = ["es", "ar"]


def every_translation(language):
    for domain in DOMAINS:
        for entry in catalogue(language, domain):
            for text in entry.msgstr_plural.values() if entry.msgstr_plural else [entry.msgstr]:
                yield entry, text


@pytest.mark.parametrize("language", ANGLE_QUOTED)
def test_translations_quote_with_the_languages_own_marks(language):
    wrong = [f"{entry.msgid!r}: {text!r}" for entry, text in every_translation(language) if re.search("[“”]", text)]
    assert not wrong, f"{language}: English quotation marks, use « »:\n" + "\n".join(wrong)


# A word the catalogue does not use, with the one it uses for the same thing: a page that calls the same place by
# two names leaves a patient wondering whether they are two places. Spanish hospitals say "servicio de Cardiología",
# and the admin panel's own label for a department is "Servicio". The kiosk's printed ticket is the Academy's "tique"
# everywhere, not the English word on one page and the Spanish one on another. In Arabic a page or a board "is
# updated" (تُحدَّث); "تتحدث" is "talks", which a board that calls tokens aloud could well be doing.
GLOSSARY = {"es": {"departamento": "servicio", "ticket": "tique"}, "ar": {"تتحدث": "تُحدَّث"}}


# A department's name as the subject of a predicate that agrees with it: names differ in gender and number, so
# "Cardiología está cerrado" and "أمراض القلب مغلق" ("heart diseases is closed") read wrong. The department is the
# subject instead: "El servicio de %(department)s" (the catalogue's word, see GLOSSARY), "قسم %(department)s" (as the
# catalogue's "لقسم %(department)s" already says).
DEPARTMENT_NAME_AS_SUBJECT = {
    "es": re.compile(r"(?<!servicio de )%\(department\)s está (?:cerrad|abiert|desactivad|activad)"),
    "ar": re.compile(r"(?<!قسم )%\(department\)s (?:مغلق|مفتوح)|(?:يستقبل|يتوقف|سيتوقف|أصدر|يصدر) %\(department\)s"),
}


@pytest.mark.parametrize("language", DEPARTMENT_NAME_AS_SUBJECT)
def test_a_predicate_agrees_with_the_department_not_with_its_name(language):
    wrong = [
        f"{entry.msgid!r}: {text!r}"
        for entry, text in every_translation(language)
        if DEPARTMENT_NAME_AS_SUBJECT[language].search(text)
    ]
    assert not wrong, f"{language}: make the department the subject, not its name:\n" + "\n".join(wrong)


# Spanish speaks to the reader as "usted", whose adjectives and participles take the reader's gender, which no page
# knows: "Bienvenido" and "Ya está registrado" greet every woman at the kiosk as a man. The catalogue words it
# without them ("Le damos la bienvenida", "Su llegada ha quedado registrada").
SPANISH_GENDERED_ADDRESS = re.compile(
    r"(?<!la )\bbienvenid[oa]s?\b|(?:^|[.:;] )(?:ya )?est(?:á|a) registrad[oa]\b", re.IGNORECASE
)


def test_spanish_addresses_the_reader_without_guessing_their_gender():
    wrong = [
        f"{entry.msgid!r}: {text!r}" for entry, text in every_translation("es") if SPANISH_GENDERED_ADDRESS.search(text)
    ]
    assert not wrong, "es: word it without the reader's gender:\n" + "\n".join(wrong)


# Arabic speaks to the reader in the plural ("أدخلوا", "لديكم"), which takes no gender; the singular imperative and
# "you" ("أدخل", "تأكد", "عليك", "لديك") are a man's. DRF's Arabic, whose words the project's catalogue carries for
# API callers (rest_framework_words), wrote them so, without hamza ("تأكد ان القيمة"), beside the project's own
# plural refusals in one answer. Django admin's own words, kept as Django translates them, are left out.
# A booking's check-in window said "سجّل وصولك … موعدك: تنضم" under a page of plural words; the doctor's "Go
# offline?" asked "هل تريد أن تصبح", the 413 page and the API's Idempotency-Key refusals told the reader "أرسل أقل
# وحاول", "انتظر", and the webhook pages "اطّلع", "أنشئ … وأوقف", "فأوقفه" (2026-12-06). A verb ("أرسل") or a
# pronoun ("أمامك") is taken with the conjunction before it (و، ف).
ARABIC_SINGULAR_ADDRESS = re.compile(
    r"(?<!\S)[وف]?(?:أدخل|اختر|تأكد|عليك أن|لديك|يمكنك|ان|وصولك|موعدك|تنضم|حدّد|أعطِ|تريد|انتظر|أرسل|حاول|اطّلع"
    r"|أنشئ|أوقفه|عطّله|غيّر كلمة|أمامك)(?![^\s.:،؛])"
)


def djangos_own_msgids(language):
    return {
        entry.msgid
        for path in Path(django.__file__).parent.glob(f"**/locale/{language}/LC_MESSAGES/*.po")
        for entry in polib.pofile(str(path))
    }


def test_arabic_addresses_the_reader_in_the_plural_without_a_gender():
    djangos = djangos_own_msgids("ar")
    wrong = [
        f"{entry.msgid!r}: {text!r}"
        for entry, text in every_translation("ar")
        if entry.msgid not in djangos and ARABIC_SINGULAR_ADDRESS.search(text)
    ]
    assert not wrong, "ar: address the reader in the plural (أدخلوا، لديكم):\n" + "\n".join(wrong)


# A consultation is one word on every page: the status says "في الاستشارة" and "परामर्श में", so the admin's *End the
# consultation* for a doctor called away, added later, said "الكشف" and "जाँच" beside it, and its live queue line
# "في الكشف". Hindi "जाँच" is also a medical test: "आपकी जाँच पूरी हो गई है" told a patient their test was done.
CONSULTATION_WORD = {"ar": ("استشار", "كشف"), "hi": ("परामर्श", "जाँच")}


@pytest.mark.parametrize("language", CONSULTATION_WORD)
def test_a_consultation_is_called_by_one_word(language):
    word, other = CONSULTATION_WORD[language]
    wrong = [
        f"{entry.msgid!r}: {text!r}"
        for entry, text in every_translation(language)
        # Where the English also says "check", "जाँच" is that check.
        if re.search(r"\b(?:consultation|visit)", entry.msgid, re.IGNORECASE)
        and not re.search(r"\bcheck\b", entry.msgid)
        and other in text
    ]
    assert not wrong, f"{language}: say {word!r}, not {other!r}:\n" + "\n".join(wrong)


# The reports and the dashboard's figures in Arabic use the digits 0-9, and Arabic writes their decimals with a point,
# as the browsers' Arabic does: Django's "4,5" read as two numbers beside the Arabic comma "،" on the same page.
def test_arabic_writes_a_decimal_point_with_the_digits_0_to_9():
    with translation.override("ar"):
        assert formats.number_format(4.5, 1) == "4.5"


# A token's status is said of the token ("el turno", "الرقم", both masculine): the status page said "Llamado",
# "Cancelado" but "Terminada", and "ملغى" but "مكتملة".
def test_a_tokens_statuses_agree_with_the_token():
    with translation.override("es"):
        spanish = [
            str(status.label) for status in (Queue.Status.CALLED, Queue.Status.COMPLETED, Queue.Status.CANCELLED)
        ]
    with translation.override("ar"):
        arabic = [str(status.label) for status in (Queue.Status.COMPLETED, Queue.Status.CANCELLED)]
    assert all(word.endswith("o") for word in spanish), spanish
    assert not any(word.endswith("ة") for word in arabic), arabic


@pytest.mark.parametrize("language", GLOSSARY)
def test_translations_name_each_thing_by_the_catalogues_one_word(language):
    wrong = [
        f"{entry.msgid!r}: {text!r} (say {GLOSSARY[language][word]!r}, not {word!r})"
        for entry, text in every_translation(language)
        for word in GLOSSARY[language]
        if word in text.lower()
    ]
    assert not wrong, f"{language}: another word than the catalogue's:\n" + "\n".join(wrong)


# Arabic calls a token "رقم الدور" (the queue number), as its patients' texts say "رقم دوركم": the bare "الرقم" is
# also the phone number, and the desk read "تصحيح رقم هاتف الرقم" ("correct the number's phone number"). So is the
# indefinite "رقم" without "دور": the home page and the booking page still said "احصلوا على رقم" (get a number).
BARE_NUMBER = re.compile(r"(?<!\S)\(?[وفب]?(?:ال|لل|بال|ل)?رقم(?:ًا)?(?=[\s.:،؛)؟]|$)(?!\s+(?:ال)?(?:دور|هاتف))")
A_PHONE_OR_A_BOOKING = re.compile(r"\bnumber\b|\bphone\b|\bid\b|booking", re.IGNORECASE)


def test_arabic_calls_a_token_its_queue_number_not_the_bare_number():
    wrong = [
        f"{entry.msgid!r}: {text!r}"
        for entry, text in every_translation("ar")
        if re.search(r"\btokens?\b", entry.msgid, re.IGNORECASE)
        and (BARE_NUMBER.search(text) if not A_PHONE_OR_A_BOOKING.search(entry.msgid) else "رقم هاتف الرقم" in text)
    ]
    assert not wrong, "Arabic: say رقم الدور for a token:\n" + "\n".join(wrong)


# The menus' and buttons' words for a token: "احصلوا على رقم" and "البحث عن رقم مريض" read as a patient's phone number.
TOKEN_ACTIONS = [
    "Get a token",
    "Take a token",
    "Find a patient's token",
    "Cancel a token",
    "Change a token's priority",
    "Move a token to another department",
]


def test_arabic_menus_and_buttons_name_a_token_a_queue_number():
    words = {entry.msgid: text for entry, text in every_translation("ar") if entry.msgid in TOKEN_ACTIONS}
    assert sorted(words) == sorted(TOKEN_ACTIONS)
    assert not [text for text in words.values() if "رقم دور" not in text]


def test_arabic_tells_a_patient_of_their_token_as_their_queue_number():
    # "يمكنهم إعطاؤكم رقمكم" ("they can give you your number") under a phone number on the sent page.
    wrong = [
        f"{entry.msgid!r}: {text!r}"
        for entry, text in every_translation("ar")
        if re.search(r"\byour tokens?\b", entry.msgid, re.IGNORECASE) and "رقم دور" not in text
    ]
    assert not wrong, "Arabic: say رقم دوركم for the patient's token:\n" + "\n".join(wrong)


def test_every_catalogue_file_is_compiled_by_the_pure_python_step():
    assert {path.parent.parent.name for path in catalogues()} == set(TRANSLATED)


def test_every_javascript_string_is_in_each_javascript_catalogue():
    # The scripts' gettext("...") calls, read from the files: new strings show up here before makemessages runs.
    used = set()
    for script in (ROOT / "static" / "js").glob("*.js"):
        used |= set(re.findall(r'gettext\("((?:[^"\\]|\\.)*)"\)', script.read_text()))
    missing = {
        language: sorted(used - {entry.msgid for entry in catalogue(language, "djangojs") if entry.msgstr})
        for language in TRANSLATED
    }
    assert not any(missing.values()), f"Run `make translations`, then translate: {missing}"


class VisibleText(HTMLParser):
    """The text a person reads: text nodes and the attributes read aloud or shown, outside scripts and styles."""

    READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}

    def __init__(self):
        super().__init__()
        self.texts, self.skipping, self.html_attributes = [], 0, None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html_attributes = attributes
        if tag in {"script", "style"}:
            self.skipping += 1
        self.texts += [value.strip() for name, value in attrs if name in self.READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


class MissedTranslations:
    """Records every msgid a page asked for that the active language's catalogue does not have."""

    def __init__(self, monkeypatch):
        self.missed = defaultdict(set)
        gettext, ngettext = trans_real.DjangoTranslation.gettext, trans_real.DjangoTranslation.ngettext
        record = self.record

        def recording_gettext(translation, message):
            record(translation, message, message)
            return gettext(translation, message)

        def recording_ngettext(translation, singular, plural, number):
            record(translation, (singular, 0), singular)
            return ngettext(translation, singular, plural, number)

        monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", recording_gettext)
        monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", recording_ngettext)

    # Languages are named in their own words everywhere (the switcher, the boards' settings); Django's own words
    # (a form's ":" label suffix...) are Django's translators' to complete, not this project's.
    NOT_OURS = {name for _, name in settings.LANGUAGES} | {
        entry.msgid
        for path in Path(django.__file__).parent.glob("**/locale/en/LC_MESSAGES/django.po")
        for entry in polib.pofile(str(path))
    }

    def record(self, translation, key, message):
        language = translation.language()
        if language in TRANSLATED and key not in translation._catalog and message not in self.NOT_OURS:
            self.missed[language].add(message.replace("\x04", " | context: "))


@pytest.fixture
def hospital(make_department, make_doctor, make_user, make_token):
    """One of everything a page can show: a department with a doctor, a waiting and a finished visit, the
    message templates, an administrator, and the boards set to speak every language."""
    department = make_department(name="Cardiology", code="CARD", room="Room 4")
    doctor = make_doctor(department=department)
    finished = services.call_next(doctor=doctor, actor=doctor.user) if make_token(department) else None
    finished = services.complete_consultation(entry=services.start_consultation(entry=finished))
    waiting = make_token(department)
    appointment = Appointment.objects.create(
        patient=waiting.patient, department=department, slot_start=timezone.now() + timedelta(days=1), seat=1
    )
    install_default_templates()
    administrator = make_user(username="manager")
    AdminUser.objects.create(user=administrator)
    configuration = SystemConfiguration.load()
    configuration.board_languages = [code for code, _ in settings.LANGUAGES]
    configuration.save()
    return {
        "department": department,
        "doctor": doctor,
        "waiting": waiting,
        "finished": finished,
        "appointment": appointment,
        "administrator": administrator,
        "template": NotificationTemplate.objects.first(),
    }


def page_urls(hospital):
    """Every GET page of the app, from the URL configuration (a page added later is checked too)."""
    # A parameter's value, or by the first word its route contains, else "other".
    values = {
        "pk": {"message": hospital["template"].pk, "doctor": hospital["doctor"].pk, "other": hospital["department"].pk},
        "department_id": hospital["department"].pk,
        "public_id": {"appointments": hospital["appointment"].public_id, "other": hospital["finished"].public_id},
        "language": "es",
        "site": "site",
    }
    urls, unknown = [], []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, pattern.namespace or namespace)
                continue
            if NOT_PAGES.search(route):
                continue
            names = re.findall(r"<(?:\w+:)?(\w+)>", route)
            if any(name not in values for name in names):
                unknown.append(route)
                continue
            urls.append((namespace, route, pattern, names))

    walk(get_resolver().url_patterns, "", None)
    assert not unknown, f"Give test_translations.page_urls a value for the parameters of: {unknown}"
    built = []
    for namespace, route, pattern, names in urls:
        path = route
        for name in names:
            value = values[name]
            if isinstance(value, dict):
                value = next((value[word] for word in value if word in route), value["other"])
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
        built.append((namespace, "/" + path))
    return built


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def pages(hospital):
    """(what, client, url) for every page, with the visitor who may see it, plus the error pages."""
    anonymous = Client()
    clients = {
        "doctors": signed_in(hospital["doctor"].user),
        "adminpanel": signed_in(hospital["administrator"]),
    }
    sent = signing.dumps("+1 ••• ••• •123", salt=SENT_TO_PHONE_SALT)
    for namespace, url in page_urls(hospital):
        # A role's page wired at the project's level (its password page) is found by the first part of its path.
        role = namespace or url.split("/")[1]
        client = anonymous if url.endswith("/login/") else clients.get(role, anonymous)
        yield url, client, url + (f"?to={sent}" if url.endswith("/sent/") else "")
    yield "waiting token's status", anonymous, hospital["waiting"].get_absolute_url()
    yield "404 page", anonymous, "/no-such-page/"
    yield "403 page", clients["doctors"], "/adminpanel/"
    yield "feedback errors", anonymous, hospital["finished"].get_absolute_url()


def problems_on(page_html, language, is_fragment):
    parser = VisibleText()
    parser.feed(page_html)
    found = []
    if not is_fragment:
        attributes = parser.html_attributes or {}
        direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
        if attributes.get("lang") != language or attributes.get("dir") != direction:
            found.append(f'<html> has lang="{attributes.get("lang")}" dir="{attributes.get("dir")}"')
    return found, parser.texts


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_is_in_the_visitors_language(language, hospital, monkeypatch, settings):
    settings.DEBUG = False
    misses = MissedTranslations(monkeypatch)
    english = {
        entry.msgid
        for entry in catalogue(language, "django")
        if entry.msgstr and entry.msgstr != entry.msgid and (" " in entry.msgid or len(entry.msgid) > 8)
    }
    problems = []
    for what, client, url in pages(hospital):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if what == "feedback errors":
            response = client.post(url, {"rating": "9"})
        else:
            response = client.get(url)
        assert response.status_code < 500, f"{what}: {response.status_code}"
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page_html = response.content.decode()
        found, texts = problems_on(page_html, language, is_fragment="<html" not in page_html)
        found += [f"left in English: {text!r}" for text in texts if text in english]
        problems += [f"{what}: {problem}" for problem in found]
    missed = sorted(misses.missed[language])
    assert not problems and not missed, (
        f"{language}: {len(missed)} msgids to translate (make translations, then locale/{language}/LC_MESSAGES/"
        f"django.po):\n  " + "\n  ".join(missed) + "\nPage problems:\n  " + "\n  ".join(problems)
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_error_pages_no_request_reaches_are_in_the_visitors_language(language, db, monkeypatch):
    """The 500, 400 and lost-database pages, and the sign-in lock-out, drawn as their handlers draw them."""
    misses = MissedTranslations(monkeypatch)
    request = RequestFactory().get("/somewhere/")
    with translation.override(language):
        request.LANGUAGE_CODE = language
        drawn = {
            "500": errors.server_error(request),
            "400": errors.bad_request(request, exception=None),
            "database lost": DatabaseUnavailableMiddleware(lambda request: None).process_exception(
                request, django.db.OperationalError()
            ),
        }
    problems = []
    for what, response in drawn.items():
        found, _texts = problems_on(response.content.decode(), language, is_fragment=False)
        problems += [f"{what}: {problem}" for problem in found]
    assert not problems and not misses.missed[language], (problems, sorted(misses.missed[language]))


def test_compile_translations_refuses_an_unfinished_catalogue_before_writing_any(settings, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="Waiting", msgstr="En espera"))
    po.save(str(folder / "django.po"))
    po.save_as_mofile(str(folder / "django.mo"))
    compiled = (folder / "django.mo").read_bytes()
    po[0].flags.append("fuzzy")
    po.save(str(folder / "django.po"))
    settings.LOCALE_PATHS = [str(tmp_path)]

    with pytest.raises(CommandError, match="nothing compiled"):
        call_command("compile_translations")

    assert (folder / "django.mo").read_bytes() == compiled


@pytest.mark.parametrize(
    "broken",
    [b'msgid "Waiting"\nmsgstr "En espera\n\nmsgid \n', b'msgid "Waiting"\nmsgstr "\xff\xfe"\n'],
    ids=["syntax error", "not UTF-8"],
)
def test_compile_translations_names_a_catalogue_it_cannot_read_and_writes_none(settings, tmp_path, broken):
    """polib's syntax or decoding error was a traceback; the catalogues read before it were not compiled either."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    readable, unreadable = tmp_path / "ar" / "LC_MESSAGES", tmp_path / "es" / "LC_MESSAGES"
    readable.mkdir(parents=True)
    unreadable.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    po.append(polib.POEntry(msgid="Waiting", msgstr="في الانتظار"))
    po.save(str(readable / "django.po"))
    header = b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    (unreadable / "django.po").write_bytes(header + broken)
    settings.LOCALE_PATHS = [str(tmp_path)]

    with pytest.raises(CommandError, match=r"es/LC_MESSAGES/django\.po.*nothing compiled"):
        call_command("compile_translations")

    assert not list(tmp_path.glob("*/LC_MESSAGES/*.mo"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_api_refusals_a_person_reads_are_in_their_language(language, department, make_patient, make_doctor):
    """Refusals the patients' pages and the dashboard show as they come (docs/i18n.md)."""
    from patients.phone import normalise_phone

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    patient = make_patient(name="Ana Ruiz")
    answers = {
        "unknown patient": client.post(
            "/patients/api/feedback/",
            {"patient_id": "00000000-0000-4000-8000-000000000000", "rating": 5},
            content_type="application/json",
        ).json()["patient_id"][0],
        "no such visit": client.post(
            "/patients/api/feedback/",
            {"patient_id": str(patient.public_id), "visit_id": 999999, "rating": 5},
            content_type="application/json",
        ).json()["visit_id"][0],
        "no token yet": client.get(f"/patients/api/patient/{patient.public_id}/status/").json()["detail"],
    }
    client.force_login(make_doctor(department=department).user)
    answers["not an object"] = client.post("/doctors/api/", [], content_type="application/json").json()["detail"]
    with translation.override(language):
        try:
            normalise_phone("1" * 40)
        except django.core.exceptions.ValidationError as error:
            answers["phone too long"] = error.messages[0]
    english = {
        "unknown patient": "No patient has this id.",
        "no such visit": "This patient has no such visit.",
        "no token yet": "This patient has no token yet.",
        "not an object": 'Send an object of fields, e.g. {"action": "call_next"}.',
        "phone too long": "A phone number has at most 32 characters.",
    }
    assert {what: answer for what, answer in answers.items() if answer == english[what]} == {}
    assert all(answers.values())


@pytest.mark.parametrize("language", TRANSLATED)
def test_rest_frameworks_answers_it_has_no_hindi_for_are_in_every_catalogue(language):
    translated = {entry.msgid for entry in catalogue(language, "django") if entry.msgstr}
    assert set(REST_FRAMEWORK_WORDS_MISSING_IN_HINDI) | set(REST_FRAMEWORK_WORDS_REWORDED) <= translated, language


# Django's Hindi "यह क्षेत्र अपेक्षित हैं" (a region, a plural verb, no full stop) and DRF's Spanish "Este campo es
# requerido." beside the project's words in the same answer.
MISSING_FIELD = [("hi", "यह फ़ील्ड भरना ज़रूरी है।"), ("es", "Este campo es obligatorio.")]


@pytest.mark.parametrize(("language", "words"), MISSING_FIELD)
def test_a_missing_field_is_refused_in_the_words_of_the_rest_of_the_answer(language, words, db):
    answer = Client(HTTP_ACCEPT_LANGUAGE=language).post(
        "/patients/api/feedback/", {"rating": 5}, content_type="application/json"
    )
    assert answer.json()["patient_id"] == [words]


# A JSON value of the wrong type is refused as "Expected %(expected)s, not %(given)s.", the types named by msgids of
# their own ("a whole number", "an object", "a list"). Hindi's past "अपेक्षित था" agreed with a masculine type only:
# "एक पूर्ण संख्या अपेक्षित था" (संख्या, सूची are feminine). "… चाहिए" agrees with none.
HINDI_GENDERED_PAST = re.compile(r"(?<!\S)(?:था|थी|थे)(?=[\s,।]|$)")


def test_a_hindi_type_refusal_agrees_with_whichever_type_it_names(db):
    answer = Client(HTTP_ACCEPT_LANGUAGE="hi").post(
        "/patients/api/feedback/", {"patient_id": "x", "rating": "five"}, content_type="application/json"
    )
    assert answer.json()["rating"] == ["यहाँ एक पूर्ण संख्या चाहिए, पाठ नहीं।"]
    refusal = "Expected %(expected)s, not %(given)s."
    sentence = next(text for entry, text in every_translation("hi") if entry.msgid == refusal)
    assert not HINDI_GENDERED_PAST.search(sentence)
