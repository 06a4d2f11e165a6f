#!/usr/bin/env bash
# Starts the PostgreSQL server the tests use (Debian cluster tools), and makes sure
# role certledger (password certledger) and database certledger_test exist.
# Idempotent; prints nothing but errors.
#   --env      also print the CERTLEDGER_TEST_POSTGRES_* settings as export lines
#              (scripts/test.sh evals them)
#   --replica  instead: a primary and its streaming replica (hot standby) on loopback, two clusters
#              of their own (certledger_primary, certledger_replica: their own ports and directories),
#              the replica made by pg_basebackup -R over TCP with a replication role; with --env, print
#              CERTLEDGER_TEST_PRIMARY_PORT and CERTLEDGER_TEST_REPLICA_PORT beside the same settings.
#              A running pair that streams is left as it is; a replica that does not (another
#              primary's copy, stopped, broken) is made again (about 2 s).
# Runs as root: the server and the admin commands run as the postgres user.
set -euo pipefail

print_env=no
replica=no
for arg in "$@"; do
    case $arg in
        --env) print_env=yes ;;
        --replica) replica=yes ;;
        *) echo "pg-up: unknown option $arg (--env, --replica)" >&2; exit 2 ;;
    esac
done

ROLE=certledger
PASSWORD=certledger
DBNAME=certledger_test

die() { echo "pg-up: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (the cluster tools switch to the postgres user)"
command -v pg_lsclusters >/dev/null || die "postgresql is not installed: run scripts/setup-system.sh"

# The newest installed server version; its cluster "main" is ours.
version=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null \
    | awk -F/ '{print $5}' | sort -n | tail -1)
[ -n "$version" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql"

# pg_lsclusters is a Perl script (about 0.5 s on a busy machine): read once, again after a change.
clusters=""
refresh_clusters() { clusters=$(pg_lsclusters --no-header 2>/dev/null || true); }
refresh_clusters
cluster_field() {  # cluster_field NAME N: column N of `pg_lsclusters` for $version/NAME, empty if absent
    awk -v v="$version" -v c="$1" -v n="$2" '$1 == v && $2 == c {print $n}' <<<"$clusters"
}

as_postgres() { (cd / && runuser -u postgres -- "$@"); }
psql_admin() {  # psql_admin PORT ...: psql as the postgres superuser on that cluster
    local p=$1; shift
    as_postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$p" -d postgres "$@"
}

wait_ready() {  # wait_ready NAME PORT
    for _ in $(seq 1 60); do
        pg_isready -q -h 127.0.0.1 -p "$2" && return 0
        sleep 0.25
    done
    die "server $version/$1 is not accepting connections on 127.0.0.1:$2"
}

ensure_cluster() {  # ensure_cluster NAME [pg_createcluster options...]: made if absent, started; prints its port
    local name=$1; shift
    if [ -z "$(cluster_field "$name" 1)" ]; then
        # A bare install in a container may not have created the default cluster.
        pg_createcluster --encoding UTF8 --locale C.UTF-8 "$@" "$version" "$name" >/dev/null \
            || die "pg_createcluster $version $name failed"
        refresh_clusters
    fi
    if [ "$(cluster_field "$name" 4)" != "online" ]; then
        pg_ctlcluster "$version" "$name" start >/dev/null \
            || die "pg_ctlcluster $version $name start failed (see /var/log/postgresql/)"
    fi
    local p
    p=$(cluster_field "$name" 3)
    [ -n "$p" ] || die "cannot read the port of cluster $version/$name"
    wait_ready "$name" "$p"
    echo "$p"
}

ensure_role_and_db() {  # ensure_role_and_db PORT
    # The role converges to LOGIN CREATEDB with the known password, whether new or not.
    psql_admin "$1" >/dev/null <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
    ELSE
        ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
    END IF;
END
\$\$;
SQL
    if [ "$(psql_admin "$1" -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" != "1" ]; then
        # UTF8 whatever the cluster's default: the ledger stores Chinese text.
        as_postgres createdb -p "$1" -O "$ROLE" -E UTF8 -T template0 --locale=C "$DBNAME" \
            || die "createdb $DBNAME failed"
    fi
}

print_settings() {  # print_settings PORT
    cat <<ENV
export CERTLEDGER_TEST_POSTGRES_HOST=127.0.0.1
export CERTLEDGER_TEST_POSTGRES_PORT=$1
export CERTLEDGER_TEST_POSTGRES_USER=$ROLE
export CERTLEDGER_TEST_POSTGRES_PASSWORD=$PASSWORD
export CERTLEDGER_TEST_POSTGRES_DBNAME=$DBNAME
ENV
}

PRIMARY=certledger_primary
STANDBY=certledger_replica
REPLICATOR=certledger_replicator

streams_from() {  # streams_from PRIMARY_PORT STANDBY_PORT: the standby replays this primary's WAL, streaming
    local pid state
    pid=$(psql_admin "$1" -c "SELECT system_identifier FROM pg_control_system()") || return 1
    state=$(psql_admin "$2" -c "SELECT system_identifier = $pid AND pg_is_in_recovery() AND EXISTS (SELECT FROM \
                                pg_stat_wal_receiver WHERE status = 'streaming') FROM pg_control_system()") || return 1
    [ "$state" = "t" ]
}

make_standby() {  # make_standby PRIMARY_PORT: (re)create the standby cluster as a base backup of the primary
    local p dir
    if [ -n "$(cluster_field "$STANDBY" 1)" ]; then
        pg_dropcluster --stop "$version" "$STANDBY" >/dev/null 2>&1 || die "pg_dropcluster $version $STANDBY failed"
        refresh_clusters
    fi
    # The cluster's configuration (/etc/postgresql/...) and port from the cluster tools; its data from the primary.
    pg_createcluster --encoding UTF8 --locale C.UTF-8 -o fsync=off -o hot_standby=on \
        "$version" "$STANDBY" >/dev/null || die "pg_createcluster $version $STANDBY failed"
    refresh_clusters
    dir=$(cluster_field "$STANDBY" 6)
    p=$(cluster_field "$STANDBY" 3)
    [ -n "$dir" ] && [ -n "$p" ] || die "cannot read the directory and port of $version/$STANDBY"
    find "$dir" -mindepth 1 -delete
    # -R writes standby.signal and primary_conninfo (the replication role over TCP on loopback).
    as_postgres pg_basebackup -D "$dir" -R -X stream -c fast \
        -d "host=127.0.0.1 port=$1 user=$REPLICATOR password=$PASSWORD application_name=$STANDBY" \
        || die "pg_basebackup from 127.0.0.1:$1 failed"
    pg_ctlcluster "$version" "$STANDBY" start >/dev/null \
        || die "pg_ctlcluster $version $STANDBY start failed (see /var/log/postgresql/)"
    wait_ready "$STANDBY" "$p"
}

replica_pair() {
    local pport sport
    # fsync off: test data; wal_keep_size: a standby that was stopped a while still finds the WAL it needs.
    pport=$(ensure_cluster "$PRIMARY" -o fsync=off -o wal_level=replica -o max_wal_senders=4 -o wal_keep_size=256MB)
    ensure_role_and_db "$pport"
    psql_admin "$pport" >/dev/null <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$REPLICATOR') THEN
        CREATE ROLE $REPLICATOR LOGIN REPLICATION PASSWORD '$PASSWORD';
    ELSE
        ALTER ROLE $REPLICATOR LOGIN REPLICATION PASSWORD '$PASSWORD';
    END IF;
END
\$\$;
SQL
    sport=$(cluster_field "$STANDBY" 3)
    if [ -n "$sport" ] && [[ "$(cluster_field "$STANDBY" 4)" != online* ]]; then
        # A stopped standby of this primary only needs starting (a standby's status is "online,recovery").
        pg_ctlcluster "$version" "$STANDBY" start >/dev/null 2>&1 && wait_ready "$STANDBY" "$sport" || true
        refresh_clusters
        for _ in $(seq 1 20); do streams_from "$pport" "$sport" 2>/dev/null && break; sleep 0.25; done
    fi
    if [ -z "$sport" ] || ! streams_from "$pport" "$sport" 2>/dev/null; then
        make_standby "$pport"
        sport=$(cluster_field "$STANDBY" 3)
    fi
    for _ in $(seq 1 40); do streams_from "$pport" "$sport" 2>/dev/null && break; sleep 0.25; done
    streams_from "$pport" "$sport" || die "$version/$STANDBY (port $sport) does not stream from $version/$PRIMARY"
    if [ "$print_env" = yes ]; then
        print_settings "$pport"
        echo "export CERTLEDGER_TEST_PRIMARY_PORT=$pport"
        echo "export CERTLEDGER_TEST_REPLICA_PORT=$sport"
    fi
}

if [ "$replica" = yes ]; then
    replica_pair
    exit 0
fi

port=$(ensure_cluster main)
ensure_role_and_db "$port"
[ "$print_env" = yes ] && print_settings "$port"
exit 0
