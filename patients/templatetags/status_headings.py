"""The status page's title and heading: what happened to a visit that will not be called again, else where it
stands. `{% status_heading visit %}` for the page as served; `{% status_headings %}` hands the same words to
static/js/patient-status.js, which puts the visit's in the title and heading when a frame changes its state, so the
page never says "Your place in line" over a visit the doctor has just completed."""

from django import template
from django.utils.html import json_script
from django.utils.translation import gettext_lazy as _

register = template.Library()

# By the visit's status, save one past its day (expired, whatever its status); "in_line" for a waiting one. The
# script picks by the same rule.
HEADINGS = {
    "called": _("It's your turn"),
    "in_consultation": _("You are with the doctor"),
    "completed": _("Your visit is complete"),
    "cancelled": _("Token cancelled"),
    "skipped": _("You missed your turn"),
    "expired": _("This token is no longer in line"),
    "in_line": _("Your place in line"),
}


@register.simple_tag
def status_heading(visit):
    return HEADINGS["expired"] if visit["expired"] else HEADINGS.get(visit["status"], HEADINGS["in_line"])


@register.simple_tag
def status_headings():
    return json_script({key: str(words) for key, words in HEADINGS.items()}, "status-headings")
