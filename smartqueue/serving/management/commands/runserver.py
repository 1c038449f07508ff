from daphne.endpoints import build_endpoint_description_strings
from daphne.management.commands.runserver import Command as DaphneRunserverCommand

from smartqueue.server import refuse_to_serve_the_network_unsafely


class Command(DaphneRunserverCommand):
    """daphne's runserver (with --noasgi, Django's), refusing before it listens, as `make run` does, to serve DEBUG's
    pages or the published SECRET_KEY's signatures on an address other machines reach (`runserver 0.0.0.0:8000`)."""

    def run(self, **options):
        refuse_to_serve_the_network_unsafely(build_endpoint_description_strings(host=self.addr, port=self.port))
        super().run(**options)
