"""Days as the date pickers and the APIs send them. Only YYYY-MM-DD: the locales' own forms read 03/12/2026 as
12 March in one language and 3 December in another, and Python's ISO reader also takes 20261203."""

from django.utils.translation import gettext_lazy as _

DAY_INPUT_FORMATS = ["%Y-%m-%d"]
DAY_FORMAT_ERROR = _("Enter the date as YYYY-MM-DD, e.g. 2026-03-10.")
