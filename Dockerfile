# Charter's production image: one image for web (gunicorn), worker and beat (celery).
# See docker-compose.yml for how the three are run together with PostgreSQL and Redis.
FROM python:3.12-slim

# VAR_DIR: where the settings keep Celery's filesystem broker when REDIS_URL is unset;
# docker-compose.yml mounts a named volume here for the beat schedule.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/var/lib/charter \
    GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --access-logfile -" \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 10001 charter \
    && useradd --system --uid 10001 --gid charter --home-dir /app --no-create-home charter \
    && install -d -o charter -g charter /var/lib/charter

WORKDIR /app

# Dependencies first, read from pyproject.toml, so code changes do not reinstall them; with the `sentry`
# extra, so that setting SENTRY_DSN is enough to report errors.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['sentry']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Editable, so that the settings' BASE_DIR is /app, where templates/ and static/ live.
# collectstatic needs settings that load with DEBUG off; the key is a throwaway and the
# build's VAR_DIR keeps root-owned folders out of /var/lib/charter.
RUN pip install --no-deps -e . \
    && DEBUG=false SECRET_KEY=collectstatic-only-not-used-at-runtime VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --no-input \
    && rm -rf /tmp/build-var

USER charter
EXPOSE 8000
CMD ["gunicorn", "config.wsgi"]
