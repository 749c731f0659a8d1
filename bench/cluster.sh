# Sourced by the store benchmarks: keeps the state directory's embedded PostgreSQL server up for
# the whole run (each bounced command would otherwise start and stop it), with the settings the
# embedded cluster passes at every start (daemon/store/embedded_cluster.cpp), and stops it on exit.
# usage: . bench/cluster.sh; start_bench_cluster STATE_DIR   (after `bounced db migrate`)
# BENCH_PG_OPTS adds server settings, e.g. "-c log_min_duration_statement=0" for
# bench/statement_times.py (the log is STATE_DIR/pg/server.log).
start_bench_cluster() {
  BENCH_PG_STATE=$1
  BENCH_PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  BENCH_RUNAS=""; [ "$(id -u)" = 0 ] && BENCH_RUNAS="runuser -u postgres --"
  $BENCH_RUNAS "$BENCH_PGBIN/pg_ctl" -D "$BENCH_PG_STATE/pg/data" -l "$BENCH_PG_STATE/pg/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$BENCH_PG_STATE/pg' -c max_connections=40 -c shared_buffers=128MB -c max_wal_size=2GB -c timezone=UTC ${BENCH_PG_OPTS:-}" \
    start >/dev/null
  trap '$BENCH_RUNAS "$BENCH_PGBIN/pg_ctl" -D "$BENCH_PG_STATE/pg/data" -m fast -w stop >/dev/null' EXIT
}
