"""Reads a page's form controls as a screen reader pairs them: every id on the page, and each form's labels."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class PageForm:
    action: str
    ids: set = field(default_factory=set)
    label_targets: list = field(default_factory=list)
    legends: list = field(default_factory=list)


class PageForms(HTMLParser):
    def __init__(self, page_html):
        super().__init__()
        self.ids, self.forms, self._form, self._legend = [], [], None, None
        self.feed(page_html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "form":
            self._form = PageForm(action=attributes.get("action") or "")
            self.forms.append(self._form)
        if self._form is None:
            return
        if "id" in attributes:
            self._form.ids.add(attributes["id"])
        if tag == "label":
            self._form.label_targets.append(attributes.get("for"))
        if tag == "legend":
            self._legend = []

    def handle_data(self, data):
        if self._legend is not None:
            self._legend.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "legend" and self._form is not None:
            self._form.legends.append(" ".join("".join(self._legend).split()))
            self._legend = None

    def duplicate_ids(self):
        return sorted({id_ for id_ in self.ids if self.ids.count(id_) > 1})

    def form(self, action):
        return next(form for form in self.forms if form.action == action)

    def labels_pointing_elsewhere(self):
        """Each form's labels whose for= names no field of that form (empty, or another form's field)."""
        return {
            form.action: [target for target in form.label_targets if target not in form.ids]
            for form in self.forms
            if any(target not in form.ids for target in form.label_targets)
        }
