# Stand-in for python:3.11-slim: Debian bookworm's own Python 3.11, with `python` and
# `python3` on the PATH where the official image has them.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11 \
 && ln -s /usr/bin/python3.11 /usr/local/bin/python3 \
 && ln -s /usr/bin/python3.11 /usr/local/bin/python \
 && rm -rf /var/lib/apt/lists/*
CMD ["python3"]
