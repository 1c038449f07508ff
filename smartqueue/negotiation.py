"""Which renderer answers an API request (DRF's DEFAULT_CONTENT_NEGOTIATION_CLASS)."""

from rest_framework.negotiation import DefaultContentNegotiation


class UnknownFormatIgnored(DefaultContentNegotiation):
    """DRF's, except that a `format` query parameter naming none of the view's renderers is ignored, as every other
    query parameter a view does not take. DRF answered it 404 "Not found.": a queue, a visit or a booking that
    exists looked gone (GET /patients/api/queue/1/?format=xml), and a registration sent to ?format=api a 404 its
    operation does not document. A format a renderer has still picks it (the schema's ?format=json)."""

    def filter_renderers(self, renderers, format):
        return [renderer for renderer in renderers if renderer.format == format] or renderers
