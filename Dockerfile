# One image for web, workers and beat. For a GPU worker, build with
#   --build-arg BASE=tensorflow/tensorflow:2.21.0-gpu
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MODELS_DIR=/models VAR_DIR=/var/lib/curator
WORKDIR /app
COPY pyproject.toml requirements.lock ./
# Empty packages first, so the dependency layer is cached until pyproject or the lock changes.
RUN for p in config core corpora curator generation posting; do mkdir -p $p && touch $p/__init__.py; done \
    && pip install -c requirements.lock -e . && mkdir -p /models /var/lib/curator
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
