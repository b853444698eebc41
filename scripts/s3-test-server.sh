#!/bin/bash
# A throwaway real S3 server (Ceph radosgw on a one-node memstore cluster) on loopback,
# HTTPS with a fresh self-signed certificate. Verified on this machine kind.
#   needs: apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common uuid-runtime openssl curl
#   up:    D=$(ceph-s3.sh up)     -> prints the state dir; S3 at https://127.0.0.1:$SSLPORT (and http on $PORT)
#          user TESTKEY / TESTSECRET; CA certificate at $D/cert.pem, bundle for SSL_CERT_FILE at $D/bundle.pem
#   down:  ceph-s3.sh down "$D"
# env: PORT (7480) SSLPORT (7443) MONPORT (3300) TMPDIR; S3_CERT and S3_KEY to reuse a certificate
set -euo pipefail
if [ "${1:-up}" = down ]; then
  P=$(cat "$2"/*.pid 2>/dev/null || true); kill -9 $P 2>/dev/null || true
  for p in $P; do while kill -0 $p 2>/dev/null && ! grep -qs '^State:.*Z' /proc/$p/status; do sleep 0.1; done; done
  rm -rf "$2"; exit 0
fi
PORT=${PORT:-7480} SSLPORT=${SSLPORT:-7443} MONPORT=${MONPORT:-3300}
D=$(mktemp -d "${TMPDIR:-/tmp}/ceph-s3.XXXXXX"); echo "$D"; FSID=$(uuidgen); OSDUUID=$(uuidgen)
if [ -n "${S3_CERT:-}" ] && [ -n "${S3_KEY:-}" ]; then
  cp "$S3_CERT" "$D/cert.pem"; cp "$S3_KEY" "$D/key.pem"   # keep a certificate across restarts
else
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/key.pem" -out "$D/cert.pem" -days 30 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost >/dev/null 2>&1
fi
cat /etc/ssl/certs/ca-certificates.crt "$D/cert.pem" > "$D/bundle.pem"
export CEPH_CONF=$D/ceph.conf
cat > "$CEPH_CONF" <<CONF
[global]
fsid = $FSID
mon_host = v2:127.0.0.1:$MONPORT
keyring = $D/keyring
run_dir = $D
admin_socket = $D/\$name.asok
log_file = $D/\$name.log
mon_cluster_log_file = $D/cluster.log
mon_data = $D/mon
osd_data = $D/osd
osd_objectstore = memstore
memstore_device_bytes = 4294967296
public_addr = 127.0.0.1
mon_allow_pool_size_one = true
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
paxos_propose_interval = 0.05
[client.rgw]
rgw_frontends = beast endpoint=127.0.0.1:$PORT ssl_endpoint=127.0.0.1:$SSLPORT ssl_certificate=$D/cert.pem ssl_private_key=$D/key.pem
rgw_data = $D/rgw
CONF
K=$D/keyring
ceph-authtool "$K" --create-keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n client.rgw --cap mon 'allow rw' --cap osd 'allow rwx' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MONPORT]" "$D/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$D/monmap" --keyring "$K"
ceph-mon -i a -f > "$D/mon.out" 2>&1 & echo $! > "$D/mon.pid"
ceph --connect-timeout 30 osd new "$OSDUUID" > /dev/null
mkdir -p "$D/osd" "$D/rgw"
ceph-osd -i 0 --mkfs --osd-uuid "$OSDUUID" > "$D/osd.mkfs.out" 2>&1
ceph-osd -i 0 -f > "$D/osd.out" 2>&1 & echo $! > "$D/osd.pid"
radosgw -n client.rgw -f > "$D/rgw.out" 2>&1 & echo $! > "$D/rgw.pid"
for i in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
curl -sf -o /dev/null --cacert "$D/cert.pem" "https://127.0.0.1:$SSLPORT/" || { echo "rgw not up; logs in $D" >&2; exit 1; }
radosgw-admin -n client.admin user create --uid test --display-name test \
  --access-key TESTKEY --secret-key TESTSECRET > /dev/null
