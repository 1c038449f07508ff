"""`{% nav_link "adminpanel:departments" _("Departments") %}`: one link of a navigation bar, marked as the page the
reader is on (aria-current="page", which smartqueue.css underlines) when it leads to it, so that a screen reader
says "current page" and the bar shows where one is."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label):
    url = reverse(url_name)
    # Error pages are rendered without a request (smartqueue.errors): no page of the bar is theirs.
    request = context.get("request")
    if request is not None and request.path == url:
        return format_html('<a class="nav-link" href="{}" aria-current="page">{}</a>', url, label)
    return format_html('<a class="nav-link" href="{}">{}</a>', url, label)
