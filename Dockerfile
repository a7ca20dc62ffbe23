# One image for web, workers and beat. For a GPU worker, build with
#   --build-arg BASE=tensorflow/tensorflow:2.21.0-gpu
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 MODELS_DIR=/models VAR_DIR=/var/lib/curator
WORKDIR /app
COPY pyproject.toml requirements.lock ./
COPY curator/__init__.py curator/
RUN mkdir -p generation posting && touch generation/__init__.py posting/__init__.py \
    && pip install -c requirements.lock -e . && mkdir -p /models /var/lib/curator
COPY . .
RUN DEBUG=1 python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "curator.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
