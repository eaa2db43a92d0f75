# monitor-watchdog container image: slim Python, non-root, config and state as volumes.
# Build: docker build -t monitor-watchdog .
# Run:   docker run -v ./config:/etc/monitor-watchdog:ro -v wd-state:/var/lib/monitor-watchdog \
#          -p 9911:9911 monitor-watchdog

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/monitor-watchdog
COPY pyproject.toml README.md ./
COPY watchdog ./watchdog
# The import package is called "watchdog": refuse an image where the unrelated filesystem-events
# distribution of that name slipped into the environment.
RUN /opt/monitor-watchdog/bin/pip install . \
 && /opt/monitor-watchdog/bin/pip check \
 && ! /opt/monitor-watchdog/bin/pip show watchdog >/dev/null 2>&1

FROM python:3.11-slim-bookworm
ENV PATH=/opt/monitor-watchdog/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STATE_DIRECTORY=/var/lib/monitor-watchdog
RUN groupadd --system --gid 10001 watchdog \
 && useradd --system --uid 10001 --gid watchdog --no-create-home \
      --home-dir /var/lib/monitor-watchdog --shell /usr/sbin/nologin watchdog \
 && mkdir -p /var/lib/monitor-watchdog /etc/monitor-watchdog \
 && chown watchdog:watchdog /var/lib/monitor-watchdog \
 && chmod 0700 /var/lib/monitor-watchdog
COPY --from=build /opt/monitor-watchdog /opt/monitor-watchdog
COPY config/ /usr/share/monitor-watchdog/config/
VOLUME ["/var/lib/monitor-watchdog"]
USER 10001:10001
WORKDIR /var/lib/monitor-watchdog
EXPOSE 9911
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9911/-/healthy', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["monitor-watchdog", "--log-format", "json"]
CMD ["run", "-c", "/etc/monitor-watchdog/config.yaml", "--listen", "0.0.0.0:9911"]
