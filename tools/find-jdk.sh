# Sourced by run-tests.sh, demo.sh and .ci/run: exports JAVA_HOME pointing at a JDK >= 21.
# Order: $JAVA_HOME if it is new enough, then the newest JDK >= 21 under /usr/lib/jvm.
# (Debian 12's default java is 17, too old for Pi4J 3, while a newer JDK often sits beside it.)

_conveyord_java_major() {
  # prints the major version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -1
}

_conveyord_pick_jdk() {
  local best="" best_v=0 v cand
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    v=$(_conveyord_java_major "$JAVA_HOME/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for cand in /usr/lib/jvm/*; do
    [ -x "$cand/bin/javac" ] || continue
    v=$(_conveyord_java_major "$cand/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$cand"; best_v="$v"; fi
  done
  [ -n "$best" ] && echo "$best"
}

_conveyord_jdk=$(_conveyord_pick_jdk)
if [ -z "$_conveyord_jdk" ]; then
  echo "conveyord needs a JDK 21 or newer (Pi4J 3 is Java 21 bytecode) and found none:" >&2
  echo "  JAVA_HOME=${JAVA_HOME:-<unset>}; nothing >= 21 under /usr/lib/jvm." >&2
  echo "  Install one (Debian 13 / Raspberry Pi OS trixie: apt-get install openjdk-21-jdk; elsewhere Temurin 21+)" >&2
  echo "  and run again, or point JAVA_HOME at it." >&2
  return 1 2>/dev/null || exit 1
fi
export JAVA_HOME="$_conveyord_jdk"
export PATH="$JAVA_HOME/bin:$PATH"
unset _conveyord_jdk
