"""Compile every catalogue (locale/<language>/LC_MESSAGES/*.po) to its .mo with polib: no GNU gettext needed.

`make translations` runs it after makemessages; docs/i18n.md says when. Django's own compilemessages does the
same where gettext is installed; smartqueue/tests/test_translations.py checks the committed .mo files match.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues():
    """Every .po file under the project's LOCALE_PATHS."""
    return sorted(path for locale in settings.LOCALE_PATHS for path in Path(locale).glob("*/LC_MESSAGES/*.po"))


def read_catalogue(path):
    """The catalogue at path; a CommandError naming it when polib cannot read it (its syntax, its encoding)."""
    try:
        return polib.pofile(str(path))
    except (OSError, UnicodeDecodeError, LookupError) as error:
        raise CommandError(f"{path}: {error}; nothing compiled.") from None


def problems(catalogue):
    """What keeps a catalogue from being complete: fuzzy entries and entries without a translation."""
    found = [f"fuzzy: {entry.msgid!r}" for entry in catalogue.fuzzy_entries()]
    found += [f"untranslated: {entry.msgid!r}" for entry in catalogue.untranslated_entries()]
    return found


class Command(BaseCommand):
    help = "Compile the .po catalogues to .mo files in pure Python (polib), refusing fuzzy or untranslated entries."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-incomplete",
            action="store_true",
            help="Compile even with fuzzy or untranslated entries (they fall back to English).",
        )

    def handle(self, *args, allow_incomplete=False, **options):
        read = {path: read_catalogue(path) for path in catalogues()}
        incomplete = {path: found for path, catalogue in read.items() if (found := problems(catalogue))}
        # Refused before anything is written: a .mo compiled without an entry would put English on the pages.
        if incomplete and not allow_incomplete:
            report = "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in incomplete.items())
            raise CommandError(f"Catalogues to finish (translate, then run again); nothing compiled:\n{report}")
        for path, catalogue in read.items():
            catalogue.save_as_mofile(str(path.with_suffix(".mo")))
            self.stdout.write(f"{path.with_suffix('.mo')}: {catalogue.percent_translated()}% translated")
