# The rr-workflow service image: the `rr` CLI and daemon, with the PostgreSQL driver.
FROM python:3.11-slim
RUN useradd --create-home --uid 1000 rr
WORKDIR /app
COPY pyproject.toml README.md ./
COPY rr_workflow ./rr_workflow
COPY schedules ./schedules
COPY templates ./templates
RUN pip install --no-cache-dir ".[postgres]"
USER rr
ENV RR_HOME=/home/rr/data RR_USER=rr
ENTRYPOINT ["rr"]
CMD ["daemon"]
