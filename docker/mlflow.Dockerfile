# MLflow tracking server and model registry, with the drivers for a Postgres backend store (psycopg2) and an
# S3/MinIO artifact store (boto3), every Python package pinned and hashed in mlflow/requirements.txt (compiled
# from mlflow/requirements.in). The build context is the docker/ folder:
#   docker build -f docker/mlflow.Dockerfile -t ct-mlflow docker
# Configure it with MLflow's own variables (MLFLOW_BACKEND_STORE_URI, MLFLOW_S3_ENDPOINT_URL, AWS_*) and
# arguments to `mlflow server`; see docker-compose.yml. Postgres URIs must name the driver
# (postgresql+psycopg2://): SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which is not installed.

# ---- build: a self-contained virtual environment, so the runtime stage needs neither pip nor its cache
FROM python:3.11.16-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
# The server's version follows the client's in pipeline/uv.lock (test/dockerfiles.spec.ts checks it): MLflow's
# REST API and database schema change between minor versions. --require-hashes: exactly the files locked.
COPY mlflow/requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/mlflow \
 && /opt/mlflow/bin/pip install --require-hashes --no-deps --requirement /tmp/requirements.txt

# ---- runtime
FROM python:3.11.16-slim-bookworm AS runtime

ENV PATH="/opt/mlflow/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# Owned by root and not writable by the server's user.
COPY --from=build /opt/mlflow /opt/mlflow

# A home directory gives MLflow somewhere writable for its local files; everything durable lives in Postgres
# and the artifact store.
RUN useradd --create-home --uid 1000 --user-group mlflow
# By number, so that runtimes can verify it is not root.
USER 1000:1000
WORKDIR /home/mlflow

EXPOSE 5000
ENTRYPOINT ["mlflow", "server"]
# Listen on all interfaces inside the container; the caller adds the stores, --allowed-hosts and so on.
CMD ["--host", "0.0.0.0", "--port", "5000"]
