# uv for building the s3 stand-in: the uv and uvx binaries of the uv wheel (the version the
# Dockerfile's ARG UV_VERSION pins), at /. The Dockerfile itself takes uv from PyPI.
FROM scratch
COPY uv uvx /
