#!/usr/bin/env bash
# The whole test suite: unit tests, then end-to-end tests (daemon + device-sim + a real broker).
# Runs `mvn -B verify` with a JDK >= 21 found by tools/find-jdk.sh. Extra arguments go to Maven.
# Set MQTT_TEST_URL=tcp://127.0.0.1:PORT to run the end-to-end tests against that broker (Mosquitto).
set -euo pipefail
cd "$(dirname "$0")"
. tools/find-jdk.sh
command -v mvn >/dev/null || { echo "run-tests.sh: Maven (mvn) is not installed: apt-get install maven" >&2; exit 1; }
echo "run-tests.sh: JDK $JAVA_HOME" >&2
exec mvn -B verify "$@"
