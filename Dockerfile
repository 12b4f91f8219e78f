# b24-reglament: the app as a container image (README, "Deployment"). Non-root, with a health check.
#   docker build -t b24-reglament .
#   docker run --env-file .env -p 127.0.0.1:8080:8080 -v b24app-data:/data b24-reglament
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    B24APP_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md install.json config.example.toml ./
COPY b24app ./b24app
COPY b24demo ./b24demo
COPY b24sandbox ./b24sandbox
COPY handlers ./handlers
COPY rules ./rules
COPY scheduler ./scheduler
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin b24app \
    && mkdir -p /data \
    && chown b24app /data \
    && chmod 0700 /data

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080

# Anonymous /healthz answers 200 {"status": "ok"|"degraded"} while the database answers, 503 when not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["b24app"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
