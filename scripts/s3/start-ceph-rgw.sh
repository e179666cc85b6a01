#!/bin/bash
# Minimal single-node Ceph (1 mon, 1 OSD: memstore by default or OBJECTSTORE=bluestore, no mgr)
# + radosgw on 127.0.0.1, all state in $DIR.
# usage: start-ceph-rgw.sh DIR MON_PORT RGW_PORT   (S3 keys: $S3_ACCESS_KEY / $S3_SECRET_KEY)
# From /work/shared/design/s3-test-servers.md appendix A (measured there: memstore 3.2 s cold); the
# script fails when the gateway never answers.
set -euo pipefail
DIR=$1; MON_PORT=$2; RGW_PORT=$3
mkdir -p "$DIR"/{mon,osd,run,log}
FSID=$(cat /proc/sys/kernel/random/uuid)
CONF=$DIR/ceph.conf
cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
crash dir = $DIR/crash
keyring = $DIR/keyring
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = ${OBJECTSTORE:-memstore}
memstore device bytes = 2147483648
# bluestore variant (OBJECTSTORE=bluestore): sparse 4 GiB file beside the osd dir, small caches
bluestore block path = $DIR/osd/\$cluster-\$id.block
bluestore block create = true
bluestore block size = 4294967296
bluestore cache autotune = false
bluestore cache size = 134217728
bluestore fsck on mount = false
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
ms bind ipv6 = false
ms bind msgr1 = false
ms_crc_data = true
debug ms = 0
[mon]
mon cluster log file = $DIR/log/cluster.log
# faster pool creation in a 1-mon test cluster (default 1 s per paxos round)
paxos propose interval = 0.1
paxos min wait = 0.01
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw data = $DIR/rgw
rgw dns name = 127.0.0.1
# radosgw defaults ms_mon_client_mode to 'secure', impossible with auth none -> EACCES (-13) loop
ms mon client mode = crc
CONF
export CEPH_CONF=$CONF
ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
ceph-mon -c "$CONF" -i a >>"$DIR/log/daemons.out" 2>&1
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(ceph -c "$CONF" osd new "$OSD_UUID")
mkdir -p "$DIR/osd/ceph-$OSD_ID"
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >>"$DIR/log/osd-mkfs.log" 2>&1
ceph-osd -c "$CONF" -i "$OSD_ID" >>"$DIR/log/daemons.out" 2>&1
for i in $(seq 1 100); do ceph -c "$CONF" osd stat 2>/dev/null | grep -q '1 up' && break; sleep 0.2; done
radosgw -c "$CONF" -n client.rgw.a >>"$DIR/log/daemons.out" 2>&1
# wait for the S3 endpoint (rgw creates its pools on first start), then create an S3 user
ready=no
for i in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/" && { ready=yes; break; }; sleep 0.1; done
[ $ready = yes ] || { echo "radosgw not answering on 127.0.0.1:$RGW_PORT after 30 s; see $DIR/log" >&2; exit 1; }
radosgw-admin -c "$CONF" user create --uid=test --display-name=test \
  --access-key="${S3_ACCESS_KEY:-rgwaccesskey}" --secret-key="${S3_SECRET_KEY:-rgwsecretkey123}" >/dev/null
echo "rgw ready on 127.0.0.1:$RGW_PORT; pids: $(cat "$DIR"/run/*.pid | tr '\n' ' ')"
