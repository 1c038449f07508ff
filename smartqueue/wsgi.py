from django.core.wsgi import get_wsgi_application

from smartqueue.startup import settings_or_exit

# `gunicorn smartqueue.wsgi:application` loads this module first: a refused setting is said in one line here, not as
# gunicorn's traceback.
settings_or_exit()
application = get_wsgi_application()
