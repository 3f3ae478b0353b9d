#!/usr/bin/env bash
# Installs the built conveyord .deb on this machine (as root), checks what the package promises,
# purges it and checks that nothing is left, then runs lintian. Called by .ci/run after the suite
# (which builds packaging/target/conveyord_*_all.deb). Leaves the machine as it found it.
#
# The Java dependency: Debian 12 has no openjdk-21 package and CI's JDK (Temurin 25 under
# /usr/lib/jvm) is not a Debian package, so nothing satisfies "openjdk-21-jre-headless |
# java21-runtime-headless". A tiny package built here with dpkg-deb provides
# java21-runtime-headless, as temurin-21-jre does. Not `dpkg -i --force-depends`: that leaves dpkg
# with an unmet dependency, and any later apt-get run would try to "fix" it by removing conveyord.
# Not equivs: one more package to install for what dpkg-deb does in four lines.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "test-deb.sh: FAIL $*" >&2; exit 1; }
pass=0
ok() { echo "test-deb.sh: ok   $*"; pass=$((pass + 1)); }

[ "$(id -u)" -eq 0 ] || fail "must run as root (dpkg -i)"
deb=$(ls -t packaging/target/conveyord_*_all.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no packaging/target/conveyord_*_all.deb: run mvn package first"
echo "test-deb.sh: $deb"

if ! command -v lintian >/dev/null; then
  echo "test-deb.sh: installing lintian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends lintian
fi

work=$(mktemp -d)
sim_pid=""
daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  dpkg --purge conveyord >/dev/null 2>&1 || true
  dpkg --purge conveyord-ci-java21 >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
dpkg --purge conveyord >/dev/null 2>&1 || true

# the stand-in for a Java 21 runtime package (the JVM itself is CI's Temurin under /usr/lib/jvm)
mkdir -p "$work/provider/DEBIAN"
cat > "$work/provider/DEBIAN/control" <<CONTROL
Package: conveyord-ci-java21
Version: 1
Architecture: all
Maintainer: conveyord CI <ci@example.org>
Provides: java21-runtime-headless
Description: CI stand-in: a Java 21 runtime not installed as a Debian package
CONTROL
dpkg-deb --build --root-owner-group "$work/provider" "$work/conveyord-ci-java21.deb" >/dev/null
dpkg -i "$work/conveyord-ci-java21.deb" >/dev/null

# --- install
dpkg -i "$deb" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
cat "$work/install.log"
[ "$(dpkg-query -W -f='${Status}' conveyord)" = "install ok installed" ] || fail "conveyord is not 'install ok installed'"
ok "dpkg -i: installed"
grep -q "conveyord --check-config" "$work/install.log" && grep -q "systemctl start conveyord" "$work/install.log" \
  || fail "postinst did not print the next steps"
ok "postinst printed the next steps"
[ -L /etc/systemd/system/multi-user.target.wants/conveyord.service ] || fail "the service is not enabled"
ok "service enabled"
if [ -d /run/systemd/system ]; then
  ! systemctl is-active --quiet conveyord || fail "postinst started the service"
  ok "service not started"
fi
getent passwd conveyord >/dev/null || fail "no conveyord user"
ok "user conveyord exists ($(id conveyord))"
for g in gpio dialout; do
  if getent group "$g" >/dev/null; then
    id -nG conveyord | tr ' ' '\n' | grep -qx "$g" || fail "conveyord is not in group $g, which exists"
    ok "conveyord is in $g"
  fi
done
[ -d /var/lib/conveyord/tmp ] || fail "tmpfiles.d did not create /var/lib/conveyord/tmp"
[ "$(stat -c %U /var/lib/conveyord/tmp)" = conveyord ] || fail "/var/lib/conveyord/tmp is not owned by conveyord"
ok "tmpfiles.d: /var/lib/conveyord/tmp owned by conveyord"
grep -qx /etc/conveyord/conveyord.yaml /var/lib/dpkg/info/conveyord.conffiles || fail "conveyord.yaml is not a conffile"
ok "conveyord.yaml is a conffile"

# --- the wrapper
out=$(conveyord --version) || fail "conveyord --version exited $?"
echo "$out" | grep -q '^conveyord ' || fail "conveyord --version printed: $out"
ok "conveyord --version: $out"
conveyord --check-config --config /etc/conveyord/conveyord.yaml || fail "--check-config on the installed conffile exited $?"
ok "conveyord --check-config on the conffile"
# no Java >= 21 anywhere it looks (Debian 12's /usr/bin/java is 17, or none): exit 2 and what to install
rc=0
env -u JAVA_HOME PATH=/usr/bin:/bin CONVEYORD_JVM_DIR="$work/no-jvms" conveyord --version > "$work/nojava.out" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || { cat "$work/nojava.out"; fail "without a Java 21 the wrapper exited $rc, not 2"; }
grep -q "openjdk-21-jre-headless" "$work/nojava.out" && grep -q "temurin-21-jre" "$work/nojava.out" \
  || { cat "$work/nojava.out"; fail "without a Java 21 the wrapper did not say what to install"; }
ok "no Java 21: exit 2 and what to install"

# --- the package upgraded over itself keeps orders, seq and the outbox
# The installed daemon runs as the unit runs it (user conveyord, /var/lib/conveyord, the unit's
# JAVA_OPTS and working directory) on the demo line, which device-sim plays from the source tree,
# with its broker on a closed port: every event stays in the outbox. An order and a start arrive
# over the daemon's HTTP command path on loopback. Then a package with a higher version (this one,
# repacked) is installed over it with dpkg -i, and the daemon starts again on the same state.
[ -n "${JAVA_HOME:-}" ] || . tools/find-jdk.sh
simjar=device-sim/target/device-sim.jar
[ -f "$simjar" ] || fail "no $simjar: run mvn package first"
free_port() {   # a loopback port nothing listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
mqtt_port=$(free_port)
http_port=$(free_port)
cfg=/etc/conveyord/upgrade-test.yaml
auth=/etc/conveyord/upgrade-test-http
secret="upgrade-$RANDOM$RANDOM"
echo "upgrade-test $secret" > "$auth"
{
  sed -e "s/^site: .*/site: upgrade-test/" -e "s#^  url: tcp://127.0.0.1:1883#  url: tcp://127.0.0.1:$mqtt_port#" \
      -e "s#^stateDir: .*#stateDir: /var/lib/conveyord#" config/demo.yaml \
    | while IFS= read -r l; do
        case "$l" in   # every simulated endpoint on a free port
          *'sim: {host: 127.0.0.1, port: '*) echo "${l%port: *}port: $(free_port)}" ;;
          *'tcp: "127.0.0.1:'*) echo "${l%%127.0.0.1:*}127.0.0.1:$(free_port)\"}" ;;
          *) echo "$l" ;;
        esac
      done
  printf 'http:\n  listen: 127.0.0.1:%s\n  auth: %s\n' "$http_port" "$auth"
} > "$cfg"
chgrp conveyord "$cfg" "$auth" && chmod 640 "$cfg" "$auth"
conveyord --check-config --config "$cfg" > "$work/check-upgrade.log" 2>&1 || { cat "$work/check-upgrade.log"; fail "--check-config on $cfg"; }
"$JAVA_HOME/bin/java" -jar "$simjar" --config "$cfg" --mqtt-url "tcp://127.0.0.1:$mqtt_port" > "$work/sim.log" 2>&1 &
sim_pid=$!

unit_java_opts=$(sed -n 's/^Environment="JAVA_OPTS=\(.*\)"$/\1/p' /lib/systemd/system/conveyord.service)
[ -n "$unit_java_opts" ] || fail "no JAVA_OPTS in the installed unit"
start_daemon() {   # as the unit: its user, working directory, environment and ExecStart (with the test config); $2...: more environment
  local name=$1
  shift
  (cd /var/lib/conveyord && exec setpriv --reuid conveyord --regid conveyord --init-groups -- \
      env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin JAVA_HOME="$JAVA_HOME" \
      JAVA_OPTS="$unit_java_opts" STATE_DIRECTORY=/var/lib/conveyord CACHE_DIRECTORY="$cache" "$@" \
      /usr/bin/conveyord --config "$cfg") \
    > "$work/daemon-$name.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 120); do
    curl -sf "http://127.0.0.1:$http_port/health/ready" >/dev/null && return 0
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon-$name.log"; fail "the installed daemon ($name) exited"; }
    sleep 0.5
  done
  cat "$work/daemon-$name.log"; fail "the installed daemon ($name) did not become ready"
}
stop_daemon() {
  kill -TERM "$daemon_pid"
  local rc=0
  wait "$daemon_pid" || rc=$?
  daemon_pid=""
  [ "$rc" -eq 0 ] || [ "$rc" -eq 143 ] || { cat "$work/daemon-$1.log"; fail "the daemon ($1) stopped with exit $rc"; }
}
command_ok() {   # POST /api/cmd/<device>/<action> on loopback; the reply must say ok
  local reply
  reply=$(curl -s -X POST -H "Authorization: Bearer $secret" -H 'Content-Type: application/json' \
    -d "$2" "http://127.0.0.1:$http_port/api/cmd/$1")
  echo "$reply" | grep -q '"ok":true' || fail "command $1 $2: $reply"
}
seqs() { cat /var/lib/conveyord/outbox/seg-*.log 2>/dev/null | grep -aoh '"seq":[0-9]*' | cut -d: -f2 | sort -n; }
await_outbox() {   # until an event of type $1 is in the outbox
  for _ in $(seq 60); do
    cat /var/lib/conveyord/outbox/seg-*.log 2>/dev/null | grep -aq "\"type\":\"$1\"" && return 0
    sleep 0.5
  done
  fail "no $1 event in /var/lib/conveyord/outbox"
}

# The start-up cache (packaging/src/deb/bin/conveyord): /var/cache/conveyord as systemd's
# CacheDirectory= makes it, with what an older version left there, which the wrapper removes.
# Java >= 25: the first start records the AOT configuration at exit, the next one assembles the
# cache before the daemon starts, later ones map it. Java 21-24: the class-data archive.
cache=/var/cache/conveyord
install -d -o conveyord -g conveyord -m 0750 "$cache"
touch "$cache/conveyord.jsa" "$cache/conveyord-1-2-3.aot" "$cache/conveyord-1-2-3.aotconf" "$cache/conveyord-1-2-3.tmp"
chown conveyord:conveyord "$cache"/*
java_major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release")
cache_files() { (cd "$cache" && ls -1 2>/dev/null | tr '\n' ' '); }

start_daemon before
command_ok line-1/order '{"id":"upg-order-1","order":"O-UPG-1","bags":["B-UPG-1","B-UPG-2"]}'
command_ok line-1/start '{"id":"upg-start-1"}'
await_outbox started
stop_daemon before
grep -q '"O-UPG-1"' /var/lib/conveyord/line-1.line-state.json || fail "the order is not in line-1.line-state.json"
seqs > "$work/seqs-before"
[ -s "$work/seqs-before" ] || fail "no event in the outbox before the upgrade"
[ -f /var/lib/conveyord/event-seq ] || fail "no event-seq before the upgrade"
cp -a /var/lib/conveyord "$work/state-before"
ok "the installed daemon ran as conveyord: order O-UPG-1, $(wc -l < "$work/seqs-before") events (seq up to $(tail -n 1 "$work/seqs-before")) in the outbox"
if [ "$java_major" -ge 25 ]; then
  aotconf=$(ls "$cache"/conveyord-*.aotconf 2>/dev/null | grep -v '/conveyord-1-2-3\.' || true)
  [ "$(cache_files)" = "$(basename "${aotconf:-none}") " ] || fail "after the first stop $cache holds: $(cache_files) (want one new conveyord-*.aotconf)"
  [ "$(stat -c %U "$aotconf")" = conveyord ] || fail "$aotconf is not owned by conveyord"
  ok "Java $java_major: the first start recorded $(basename "$aotconf") ($(stat -c %s "$aotconf") bytes) at exit; the older files are gone"
else
  jsa=$(ls "$cache"/conveyord-*.jsa 2>/dev/null || true)
  [ "$(cache_files)" = "$(basename "${jsa:-none}") " ] && [ -s "$jsa" ] || fail "after the first stop $cache holds: $(cache_files) (want one new conveyord-*.jsa)"
  ok "Java $java_major: the first start wrote $(basename "$jsa") at exit; conveyord.jsa and the AOT files are gone"
fi

old_version=$(dpkg-deb -f "$deb" Version)
new_version="${old_version}+upgrade1"
dpkg --compare-versions "$new_version" gt "$old_version" || fail "$new_version is not above $old_version"
dpkg-deb -R "$deb" "$work/upgrade"
sed -i "s/^Version: .*/Version: $new_version/" "$work/upgrade/DEBIAN/control"
dpkg-deb --build --root-owner-group "$work/upgrade" "$work/conveyord_${new_version}_all.deb" >/dev/null
dpkg -i "$work/conveyord_${new_version}_all.deb" > "$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log"; fail "dpkg -i of $new_version over $old_version"; }
[ "$(dpkg-query -W -f='${Version} ${Status}' conveyord)" = "$new_version install ok installed" ] \
  || fail "after the upgrade: $(dpkg-query -W -f='${Version} ${Status}' conveyord)"
ok "dpkg -i $new_version over $old_version"
for f in line-1.line-state.json event-seq; do
  cmp -s "$work/state-before/$f" "/var/lib/conveyord/$f" || fail "the upgrade changed /var/lib/conveyord/$f"
done
for f in "$work"/state-before/outbox/seg-*.log; do
  cmp -s "$f" "/var/lib/conveyord/outbox/$(basename "$f")" || fail "the upgrade changed or removed outbox/$(basename "$f")"
done
[ "$(stat -c %U /var/lib/conveyord/line-1.line-state.json)" = conveyord ] || fail "the state is no longer owned by conveyord"
ok "the upgrade kept the order, event-seq and the outbox as they were"

start_daemon after
state=$(curl -sf "http://127.0.0.1:$http_port/api/state") || fail "GET /api/state"
echo "$state" | grep -q '"ordersOpen":1' || fail "the upgraded daemon does not have the open order: $state"
command_ok line-1/start '{"id":"upg-start-2"}'
for _ in $(seq 60); do
  [ "$(seqs | wc -l)" -gt "$(wc -l < "$work/seqs-before")" ] && break
  sleep 0.5
done
stop_daemon after
seqs > "$work/seqs-after"
last_before=$(tail -n 1 "$work/seqs-before")
comm -23 "$work/seqs-before" "$work/seqs-after" | grep -q . && fail "events of the old version left the outbox unsent"
[ -z "$(uniq -d "$work/seqs-after")" ] || fail "a seq was used twice: $(uniq -d "$work/seqs-after" | head -n 3 | tr '\n' ' ')"
first_new=$(comm -13 "$work/seqs-before" "$work/seqs-after" | sort -n | head -n 1)
[ -n "$first_new" ] || fail "the upgraded daemon added no event to the outbox"
[ "$first_new" -eq $((last_before + 1)) ] || fail "seq did not continue: the last before the upgrade was $last_before, the first after $first_new"
ok "the upgraded daemon started on that state: order O-UPG-1 open, seq continued at $first_new, the old events still in the outbox"
if [ "$java_major" -ge 25 ]; then
  # the same jar (the repacked package keeps its mtime), JVM and flags: the recorded configuration still fits
  aot=${aotconf%.aotconf}.aot
  [ "$(cache_files)" = "$(basename "$aot") " ] || fail "after the second start $cache holds: $(cache_files) (want $(basename "$aot"))"
  grep -q "AOTCache creation is complete" "$work/daemon-after.log" || { cat "$work/daemon-after.log"; fail "the second start did not assemble the AOT cache"; }
  ok "the second start assembled $(basename "$aot") ($(stat -c %s "$aot") bytes) before the daemon started"
  # -XX:AOTMode=on: the JVM refuses to start when it cannot map the cache it is given (the wrapper's
  # mode, auto, starts without); -Xlog:aot names the file it opened
  mtime=$(stat -c %Y.%s "$aot")
  start_daemon cached JAVA_TOOL_OPTIONS="-XX:AOTMode=on -Xlog:aot"
  stop_daemon cached
  [ "$(cache_files)" = "$(basename "$aot") " ] && [ "$(stat -c %Y.%s "$aot")" = "$mtime" ] \
    || fail "the third start changed $cache: $(cache_files)"
  grep -q "Opened AOT cache $aot\." "$work/daemon-cached.log" && ! grep -q "AOTConfiguration\|AOTCache creation" "$work/daemon-cached.log" \
    || { cat "$work/daemon-cached.log"; fail "the third start did not just map $aot"; }
  ok "the third start mapped $(basename "$aot") (with -XX:AOTMode=on) and wrote nothing"
fi
kill "$sim_pid" 2>/dev/null || true
wait "$sim_pid" 2>/dev/null || true
sim_pid=""
rm -f "$cfg" "$auth"
# the start-up cache: only with systemd's CACHE_DIRECTORY, and never for the one-shot commands
mkdir -p "$work/cache"
CACHE_DIRECTORY="$work/cache" conveyord --check-config --config /etc/conveyord/conveyord.yaml >/dev/null \
  || fail "--check-config with CACHE_DIRECTORY set exited $?"
[ -z "$(ls -A "$work/cache")" ] || fail "--check-config wrote $(ls -A "$work/cache")"
ok "no start-up cache from --check-config"
# a Java 21-24 gets the class-data archive flags as before (a stand-in JVM that prints its arguments)
mkdir -p "$work/jvm21/jdk-21/bin" "$work/cache21"
cat > "$work/jvm21/jdk-21/bin/java" <<'JAVA'
#!/bin/sh
case "$*" in *-XshowSettings:properties*) echo "    java.specification.version = 21" >&2 ;; *) echo "$*" ;; esac
JAVA
chmod 755 "$work/jvm21/jdk-21/bin/java"
touch "$work/cache21/conveyord-1-2-3.aot" "$work/cache21/conveyord-1-2-3.aotconf" "$work/cache21/conveyord.jsa" "$work/cache21/conveyord-1-2-3.jsa"
args=$(env -u JAVA_HOME PATH=/usr/bin:/bin CONVEYORD_JVM_DIR="$work/jvm21" CACHE_DIRECTORY="$work/cache21" conveyord --config x.yaml)
jar_key=$(stat -L -c %s-%Y /usr/share/conveyord/conveyord.jar)
case "$args" in
  *" -XX:SharedArchiveFile=$work/cache21/conveyord-$jar_key-"[0-9]*".jsa -XX:+AutoCreateSharedArchive -Xlog:cds=error -Xlog:cds+dynamic=error -jar /usr/share/conveyord/conveyord.jar --config x.yaml") ;;
  *) fail "with a Java 21 the wrapper ran: $args" ;;
esac
[ -z "$(ls -A "$work/cache21")" ] || fail "with a Java 21 the wrapper left $(ls -A "$work/cache21")"
ok "Java 21: the class-data archive flags under a name keyed on the jar ($jar_key); an older archive and the AOT files removed"
# a new jar (an upgrade) gets a new archive name: the JVM refuses an archive made for another jar and never rewrites it
touch -d '2020-01-01 00:00:00' "$work/jar-stamp"
args2=$(env -u JAVA_HOME PATH=/usr/bin:/bin CONVEYORD_JVM_DIR="$work/jvm21" CACHE_DIRECTORY="$work/cache21" \
  CONVEYORD_JAR="$work/jar-stamp" conveyord --config x.yaml 2>/dev/null || true)
[ -n "$args2" ] && [ "${args2%%.jsa *}" != "${args%%.jsa *}" ] || fail "another jar got the same archive name: $args2"
ok "Java 21: another jar, another archive name"

# --- purge: no file of the package left
dpkg-query -L conveyord > "$work/files"
mkdir -p /var/lib/conveyord/outbox && echo state > /var/lib/conveyord/outbox/seg-0   # state the daemon would leave
mkdir -p /var/cache/conveyord && echo jsa > /var/cache/conveyord/conveyord.jsa        # and its class-data archive
echo "user
pass" > /etc/conveyord/mqtt-credentials
dpkg --purge conveyord > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge"; }
left=()
while read -r f; do
  # "/." is the root itself, which a package built by dpkg-deb (the repacked upgrade) lists
  [ -z "$f" ] || [ "$f" = "/." ] && continue
  if [ -d "$f" ]; then
    # a directory may stay only if another package (or the base system) has files in it
    dpkg-query -S "$f" >/dev/null 2>&1 || left+=("$f")
  elif [ -e "$f" ] || [ -L "$f" ]; then
    left+=("$f")
  fi
done < "$work/files"
for f in /etc/conveyord /var/lib/conveyord /var/cache/conveyord /etc/systemd/system/multi-user.target.wants/conveyord.service; do
  [ -e "$f" ] || [ -L "$f" ] && left+=("$f")
done
[ ${#left[@]} -eq 0 ] || fail "left after dpkg --purge: ${left[*]}"
ok "dpkg --purge left no file"

# --- lintian: no errors (warnings are printed)
lintian --fail-on error "$deb" || fail "lintian reported errors"
ok "lintian: no errors"

echo "$pass passed, 0 failed"
