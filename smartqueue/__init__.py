from . import integer_lookups  # noqa: F401  (an id past its column's range in `__in` is no 500)
from .celery import app as celery_app

__all__ = ("celery_app",)
