# Install in one stage, run as a non-root user in a slim second stage.
FROM python:3.11-slim AS build
# Every dependency at the version and hashes of the lock: the server's, without the embedded
# PostgreSQL (a development convenience; compose brings PostgreSQL).
COPY requirements.lock /src/
RUN python -m venv /venv \
 && /venv/bin/pip install --no-cache-dir --require-hashes -r /src/requirements.lock
WORKDIR /src
COPY pyproject.toml README.md ./
COPY events ./events
COPY command ./command
COPY query ./query
COPY projections ./projections
COPY migrations ./migrations
COPY wire ./wire
COPY infra ./infra
COPY vitaltrack ./vitaltrack
# Our own wheel, and nothing else: its dependencies all came from the lock above.
RUN /venv/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 vitaltrack
COPY --from=build /venv /venv
USER vitaltrack
WORKDIR /home/vitaltrack
ENV ENVIRONMENT=production PYTHONUNBUFFERED=1 PATH=/venv/bin:$PATH
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/live', timeout=2)"]
CMD ["vitaltrack", "serve", "--host", "0.0.0.0", "--port", "8000"]
