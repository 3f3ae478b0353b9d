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
cleanup() {
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

# the class-data archive: only with systemd's CACHE_DIRECTORY, and never for the one-shot commands
mkdir -p "$work/cache"
CACHE_DIRECTORY="$work/cache" conveyord --check-config --config /etc/conveyord/conveyord.yaml >/dev/null \
  || fail "--check-config with CACHE_DIRECTORY set exited $?"
[ ! -e "$work/cache/conveyord.jsa" ] || fail "--check-config wrote a class-data archive"
ok "no class-data archive from --check-config"

# --- purge: no file of the package left
dpkg-query -L conveyord > "$work/files"
mkdir -p /var/lib/conveyord/outbox && echo state > /var/lib/conveyord/outbox/seg-0   # state the daemon would leave
mkdir -p /var/cache/conveyord && echo jsa > /var/cache/conveyord/conveyord.jsa        # and its class-data archive
echo "user
pass" > /etc/conveyord/mqtt-credentials
dpkg --purge conveyord > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge"; }
left=()
while read -r f; do
  [ -z "$f" ] && continue
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
