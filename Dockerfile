# Journey's app image: Node builds the frontend, a slim Python image runs it. One image serves
# `journey backend` (the default command) and `journey ratings` (docker-compose.yml).
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run --silent build

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    JOURNEY_HOST=0.0.0.0 \
    JOURNEY_DATA_DIR=/data \
    JOURNEY_FRONTEND_DIR=/app/frontend/dist
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend backend
COPY collector collector
COPY common common
COPY journey journey
COPY ratings ratings
RUN pip install --no-cache-dir --disable-pip-version-check . \
    && useradd --create-home --uid 10001 journey \
    && mkdir /data && chown journey /data
COPY --from=frontend /src/frontend/dist /app/frontend/dist
USER journey
EXPOSE 8000 8001
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=6 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"
CMD ["journey", "backend"]
