#!/usr/bin/env bash
# Runs the scenarios of device-sim/scenarios/ against the real daemon, in real time, and prints each
# scorecard: a Mosquitto broker on a free loopback port, device-sim playing config/demo.yaml, and the
# daemon (daemon/target/conveyord.jar) as device-sim's child process, so kill-restart can kill it.
#
#   ./scenarios.sh                    every scenario in full (about 57 minutes; rush-hour and saturation ~12 each)
#   ./scenarios.sh rush-hour jams     just those
#   ./scenarios.sh --short [NAME...]  the short CI versions (device-sim/scenarios/short/, < 1 min each)
#
# Builds first if the jars are missing or older than the sources. Needs mosquitto
# (apt-get install mosquitto) and the simulator's fixed device ports of config/demo.yaml free
# (7070, 7101-7104). Logs and daemon state go to a temporary directory, printed at the start.
# Exit status: 0 when every scenario passed, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")"
. tools/find-jdk.sh

dir=device-sim/scenarios
if [ "${1:-}" = "--short" ]; then dir=device-sim/scenarios/short; shift; fi
if [ $# -gt 0 ]; then names=("$@"); else
  names=(); for f in "$dir"/*.yaml; do n=$(basename "$f" .yaml); [ "$n" = smoke ] || names+=("$n"); done
fi
for n in "${names[@]}"; do
  [ -f "$dir/$n.yaml" ] || { echo "scenarios.sh: no scenario $dir/$n.yaml" >&2; exit 2; }
done

mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosq" ] || { echo "scenarios.sh: mosquitto is not installed: apt-get install mosquitto" >&2; exit 1; }

jar=daemon/target/conveyord.jar
sim=device-sim/target/device-sim.jar
if [ ! -f "$jar" ] || [ ! -f "$sim" ] || [ -n "$(find pom.xml */pom.xml */src/main -newer "$jar" -type f 2>/dev/null | head -1)" ]; then
  command -v mvn >/dev/null || { echo "scenarios.sh: Maven (mvn) is not installed: apt-get install maven" >&2; exit 1; }
  echo "scenarios.sh: building with JDK $JAVA_HOME ..." >&2
  mvn -B -q package -DskipTests
fi

work=$(mktemp -d /tmp/conveyord-scenarios.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 18883)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" > "$work/mosquitto.conf"
"$mosq" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
mosq_pid=$!
trap 'kill "$mosq_pid" 2>/dev/null || true' EXIT
sleep 0.5
kill -0 "$mosq_pid" 2>/dev/null || { echo "scenarios.sh: mosquitto did not start, see $work/mosquitto.log" >&2; exit 1; }
echo "scenarios.sh: broker tcp://127.0.0.1:$port, logs in $work" >&2

failed=()
for n in "${names[@]}"; do
  echo "==== $n ($dir/$n.yaml)"
  mkdir -p "$work/$n"
  if "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$sim" --config config/demo.yaml \
       --mqtt-url "tcp://127.0.0.1:$port" --scenario "$dir/$n.yaml" --daemon-jar "$jar" \
       --daemon-state-dir "$work/$n" > "$work/$n/device-sim.log" 2>&1; then :; else failed+=("$n"); fi
  # the scorecard is the simulator's stdout after its log lines
  sed -n '/^scenario /,$p' "$work/$n/device-sim.log" | grep -v '^[0-9][0-9]:[0-9][0-9]:' || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "scenarios.sh: FAILED: ${failed[*]} (logs in $work)"
  exit 1
fi
echo "scenarios.sh: all ${#names[@]} scenario(s) passed"
