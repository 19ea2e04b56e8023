# Build wheels in one stage, run as a non-root user in a slim second stage.
FROM python:3.11-slim AS build
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
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 vitaltrack
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER vitaltrack
WORKDIR /home/vitaltrack
ENV ENVIRONMENT=production PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/live', timeout=2)"]
CMD ["vitaltrack", "serve", "--host", "0.0.0.0", "--port", "8000"]
