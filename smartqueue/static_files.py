"""Headers of the static files: WhiteNoise answers them before the middleware that adds the Content-Security-Policy
and X-Frame-Options to the app's own answers (django-csp, Django's clickjacking middleware) ever sees them."""

from csp.utils import build_policy

from .middleware import CROSS_ORIGIN_RESOURCE_POLICY


def add_security_headers(headers, path, url):
    """settings.WHITENOISE_ADD_HEADERS_FUNCTION: the site's policy and no framing on every static file. Some of them
    are documents a browser opens on this origin (Swagger UI's oauth2-redirect.html, the SVG favicon), and were
    served without either: any site could frame them, and their scripts ran under no policy."""
    headers["Content-Security-Policy"] = build_policy()
    headers["X-Frame-Options"] = "DENY"
    # As the app's answers (middleware.CrossOriginResourcePolicyMiddleware), whatever stands in front of WhiteNoise.
    headers["Cross-Origin-Resource-Policy"] = CROSS_ORIGIN_RESOURCE_POLICY
