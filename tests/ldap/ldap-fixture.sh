#!/bin/bash
# usage: ldap-fixture.sh TEST-COMMAND...
# Starts a throw-away OpenLDAP slapd on 127.0.0.1 (a free port) in a temporary folder with the
# tree of fixture.ldif, STARTTLS through a throw-away CA and the ppolicy overlay (carol is
# locked), runs the command with LDAP_URI, LDAPS_URI (the same on TLS), LDAP_CA, LDAP_GROUP_MAP and SLAPD_PID (the test may
# stop the directory) in its environment, then stops slapd and removes the folder. The
# command's exit code comes through. (Recipe: OpenLDAP 2.5 on Debian 12, slapd.conf + mdb.)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PATH=$PATH:/usr/sbin
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PORT=$(free_port); TLS_PORT=$(free_port)
D=$(mktemp -d /tmp/pasaprod-ldap.XXXXXX); mkdir "$D/db"; H="ldap://127.0.0.1:$PORT"
SLAPD_PID=
cleanup() { if [ -n "$SLAPD_PID" ]; then kill "$SLAPD_PID" 2>/dev/null || true; wait "$SLAPD_PID" 2>/dev/null || true; fi; rm -rf "$D"; }
trap cleanup EXIT
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${EC[@]}" -days 2 -subj /CN=pasaprod-test-ca -keyout "$D/ca.key" -out "$D/ca.pem" 2>/dev/null
openssl req "${EC[@]}" -subj /CN=127.0.0.1 -keyout "$D/srv.key" -out "$D/srv.csr" 2>/dev/null
openssl x509 -req -in "$D/srv.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial -days 2 -out "$D/srv.pem" \
  -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth') 2>/dev/null
cat > "$D/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile $D/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
TLSCACertificateFile  $D/ca.pem
TLSCertificateFile    $D/srv.pem
TLSCertificateKeyFile $D/srv.key
database  mdb
suffix    "dc=example,dc=pe"
rootdn    "cn=admin,dc=example,dc=pe"
rootpw    $(slappasswd -s adminpw)
directory $D/db
overlay ppolicy
ppolicy_default "cn=default,dc=example,dc=pe"
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
CONF
slaptest -Q -u -f "$D/slapd.conf"
slapd -f "$D/slapd.conf" -h "$H/ ldaps://127.0.0.1:$TLS_PORT/" -d 0 2>"$D/slapd.log" &
SLAPD_PID=$!
for _ in $(seq 200); do ldapsearch -x -H "$H" -s base -b '' >/dev/null 2>&1 && break; sleep 0.05; done
ldapadd -x -H "$H" -D cn=admin,dc=example,dc=pe -w adminpw -f "$HERE/fixture.ldif" >/dev/null
set +e
LDAP_URI=$H LDAPS_URI=ldaps://127.0.0.1:$TLS_PORT LDAP_CA=$D/ca.pem LDAP_GROUP_MAP=$HERE/group-map.txt SLAPD_PID=$SLAPD_PID "$@"
rc=$?
exit $rc
