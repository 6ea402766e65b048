# Stand-in for postgres:16: Debian bookworm's PostgreSQL (15), started by an entrypoint
# that honours the official image's POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB and PGDATA.
ARG BASE
FROM ${BASE}
# The package would create a cluster of its own; the entrypoint makes the one we use.
RUN mkdir -p /etc/postgresql-common \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/lib/postgresql/*/bin /usr/lib/postgresql/bin
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
