"""The curator app, which also holds the project's settings, URLs and Celery app."""

from curator.celery import app as celery_app

__all__ = ["celery_app"]
