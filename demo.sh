#!/usr/bin/env bash
# Builds conveyord (if needed) and runs the demo jar: an embedded broker on 127.0.0.1:1883 (or the
# next free port), device-sim playing config/demo.yaml in-process, and the daemon. Ctrl-C stops it.
# Arguments go to the demo, e.g. ./demo.sh --mqtt-url tcp://127.0.0.1:1884
set -euo pipefail
cd "$(dirname "$0")"
. tools/find-jdk.sh
jar=demo/target/conveyord-demo.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml */pom.xml config device-sim/scenarios */src/main -newer "$jar" -type f 2>/dev/null | head -1)" ]; then
  command -v mvn >/dev/null || { echo "demo.sh: Maven (mvn) is not installed: apt-get install maven" >&2; exit 1; }
  echo "demo.sh: building with JDK $JAVA_HOME ..." >&2
  mvn -B -q package -DskipTests
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" "$@"
