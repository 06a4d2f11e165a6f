#!/usr/bin/env bash
# Starts the PostgreSQL server the tests use (Debian cluster tools), and makes sure
# role certledger (password certledger) and database certledger_test exist.
# Idempotent; prints nothing but errors.
#   --env   also print the CERTLEDGER_TEST_POSTGRES_* settings as export lines
#           (scripts/test.sh evals them)
# Runs as root: the server and the admin commands run as the postgres user.
set -euo pipefail

print_env=no
[ "${1:-}" = "--env" ] && print_env=yes

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

cluster_field() {  # cluster_field N: column N of `pg_lsclusters` for $version/main, empty if absent
    pg_lsclusters --no-header 2>/dev/null | awk -v v="$version" -v n="$1" '$1 == v && $2 == "main" {print $n}'
}

if [ -z "$(cluster_field 1)" ]; then
    # A bare install in a container may not have created the default cluster.
    pg_createcluster --encoding UTF8 --locale C.UTF-8 "$version" main >/dev/null \
        || die "pg_createcluster $version main failed"
fi
if [ "$(cluster_field 4)" != "online" ]; then
    pg_ctlcluster "$version" main start >/dev/null || die "pg_ctlcluster $version main start failed (see /var/log/postgresql/)"
fi
port=$(cluster_field 3)
[ -n "$port" ] || die "cannot read the port of cluster $version/main"

for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || die "server $version/main is not accepting connections on 127.0.0.1:$port"

as_postgres() { (cd / && runuser -u postgres -- "$@"); }
psql_admin() { as_postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"; }

# The role converges to LOGIN CREATEDB with the known password, whether new or not.
psql_admin >/dev/null <<SQL
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

if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" != "1" ]; then
    # UTF8 whatever the cluster's default: the ledger stores Chinese text.
    as_postgres createdb -p "$port" -O "$ROLE" -E UTF8 -T template0 --locale=C "$DBNAME" \
        || die "createdb $DBNAME failed"
fi

if [ "$print_env" = yes ]; then
    cat <<ENV
export CERTLEDGER_TEST_POSTGRES_HOST=127.0.0.1
export CERTLEDGER_TEST_POSTGRES_PORT=$port
export CERTLEDGER_TEST_POSTGRES_USER=$ROLE
export CERTLEDGER_TEST_POSTGRES_PASSWORD=$PASSWORD
export CERTLEDGER_TEST_POSTGRES_DBNAME=$DBNAME
ENV
fi
