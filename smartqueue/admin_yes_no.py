"""Django admin's yes/no icons in the words of the page's language.

Django draws a boolean column or read-only field as an icon whose alt text is the Python value: "True", "False" or
"None" in every language (`admin_list._boolean_icon`), so a screen reader said "True" on a page in Hindi. Its
lists, change forms and read-only fields all look that function up when they draw an icon, and Django offers no hook
for it: the admin's app config (smartqueue.admin_dates) puts this one in its place.
"""

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext


def boolean_icon(field_val):
    icon, words = {True: ("yes", gettext("Yes")), False: ("no", gettext("No")),
                   None: ("unknown", gettext("Unknown"))}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), words)


def say_yes_and_no_in_words():
    admin_list._boolean_icon = boolean_icon
