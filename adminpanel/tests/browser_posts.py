"""What a browser sends for a page's form: its controls' values as the page shows them (checked boxes, chosen
options, hidden inputs), so that a test posts what a person who changed nothing else would post."""

from html.parser import HTMLParser


class _FormValues(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        if self._form is None or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            if attributes.get("type") in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._form.append((name, attributes.get("value", "on")))
            elif attributes.get("type") not in ("submit", "button", "file"):
                self._form.append((name, attributes.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self._form.append((self._select, attributes.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, text = self._textarea
            self._form.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None


def form_as_sent(page_html, field):
    """The values of the page's form that has a control named field, as {name: [values]} for the test client."""
    parser = _FormValues()
    parser.feed(page_html)
    for form in parser.forms:
        if any(name == field for name, _value in form):
            sent = {}
            for name, value in form:
                sent.setdefault(name, []).append(value)
            return sent
    raise AssertionError(f"no form on the page has a control named {field}")
