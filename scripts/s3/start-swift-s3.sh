#!/bin/bash
# Single-replica OpenStack Swift (Debian packages) with the s3api middleware, all state in $DIR.
# usage: start-swift-s3.sh DIR PROXY_PORT   (account/container/object servers use PROXY_PORT+1..+3)
# S3 credentials: access key "test:tester", secret $SWIFT_PASSWORD (default "testing"; tempauth).
# Adapted from /work/shared/design/s3-test-servers.md appendix B: the three ring builds (about 2.2 s
# each) run in parallel, and the script fails when the proxy never becomes healthy.
set -euo pipefail
DIR=$1; P=$2; AP=$((P+1)); CP=$((P+2)); OP=$((P+3))
mkdir -p "$DIR"/{srv/d1,run,log}
cat > "$DIR/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = s3test
swift_hash_path_prefix = s3test
[storage-policy:0]
name = Policy-0
default = yes
CONF
common="swift_dir = $DIR
devices = $DIR/srv
mount_check = false
bind_ip = 127.0.0.1
workers = 0
log_address = /nonexistent
log_level = WARNING
user = root"
for t in account container object; do
  port=$([ $t = account ] && echo $AP || ([ $t = container ] && echo $CP || echo $OP))
  cat > "$DIR/$t-server.conf" <<CONF
[DEFAULT]
$common
bind_port = $port
[pipeline:main]
pipeline = $t-server
[app:$t-server]
use = egg:swift#$t
CONF
  ( cd "$DIR" && swift-ring-builder $t.builder create 6 1 0 >/dev/null &&
    swift-ring-builder $t.builder add r1z1-127.0.0.1:$port/d1 100 >/dev/null &&
    swift-ring-builder $t.builder rebalance >/dev/null || true ) &
done
wait
cat > "$DIR/proxy-server.conf" <<CONF
[DEFAULT]
$common
bind_port = $P
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
allow_object_versioning = true
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = ${SWIFT_PASSWORD:-testing} .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${MEMCACHED_PORT:-11211}
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
CONF
for t in account container object proxy; do
  nohup swift-$t-server "$DIR/$t-server.conf" >>"$DIR/log/$t.log" 2>&1 &
  echo $! > "$DIR/run/$t.pid"
done
ready=no
for i in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$P/healthcheck" && { ready=yes; break; }; sleep 0.1; done
[ $ready = yes ] || { echo "swift proxy not healthy on 127.0.0.1:$P after 30 s; see $DIR/log" >&2; exit 1; }
echo "swift s3api ready on 127.0.0.1:$P; pids: $(cat "$DIR"/run/*.pid | tr '\n' ' ')"
