"""Project wiring: settings, root URLs, the Celery app, WSGI/ASGI.

The Celery app is imported here so that `shared_task` binds to it whenever Django starts
(the pattern Celery's Django guide gives); no app package imports anything.
"""

from config.celery import app as celery_app

__all__ = ["celery_app"]
