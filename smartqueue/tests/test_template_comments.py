"""Django's {# #} comment ends at its line: one spanning lines is not a comment, and its words, braces and all, are
printed on the page (the waiting-room boards showed one above their panels, pushing them below a 768p screen)."""

from pathlib import Path

from django.conf import settings

TEMPLATE_DIRECTORIES = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]] + [
    Path(settings.BASE_DIR) / app / "templates" for app in ("patients", "doctors", "adminpanel", "notifications")
]


def test_no_template_opens_a_short_comment_it_does_not_close_on_the_same_line():
    unclosed = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for directory in TEMPLATE_DIRECTORIES
        if directory.is_dir()
        for path in directory.rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]

    assert unclosed == []
