#!/usr/bin/env bash
# The saturation benchmark (issue 12): device-sim plays config/demo.yaml with both pick stations
# hanging bags on as fast as their zones take them (device-sim/scenarios/saturation.yaml) against the
# real daemon (a child process), in real time, and prints the scorecard, delivered bags/h against the
# physical limit speed / (mean bag length + the sorter's minimum gap), and one `RESULT {json}` line.
#   ./bench/run-saturation.sh                        # 10 minutes (the scenario's own duration)
#   ./bench/run-saturation.sh --minutes 2            # another duration
#   ./bench/run-saturation.sh --quick                # the CI version (30 s, scenarios/short/)
#   ./bench/run-saturation.sh --config bench/lines/short-zones.yaml   # another line (demo.yaml's ports)
#   ./bench/run-saturation.sh --mqtt-url tcp://127.0.0.1:1883   # a broker already running; else a
#                                                    # local Mosquitto on a free loopback port
# The simulated devices and the daemon's HTTP server get free ports (a copy of the config), so it runs
# beside a demo or another benchmark. Builds the jars if missing. Exit status: the scenario's (0 passed).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/find-jdk.sh

scenario=device-sim/scenarios/saturation.yaml
minutes=""
url=""
line=config/demo.yaml
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) scenario=device-sim/scenarios/short/saturation.yaml; shift ;;
    --minutes) minutes="$2"; shift 2 ;;
    --mqtt-url) url="$2"; shift 2 ;;
    --config) line="$2"; shift 2 ;;
    *) echo "run-saturation.sh: unknown option $1; expected --quick, --minutes N, --mqtt-url URL, --config FILE" >&2; exit 2 ;;
  esac
done

jar=${DAEMON_JAR:-daemon/target/conveyord.jar}      # DAEMON_JAR / DEVICE_SIM_JAR: copies, so a rebuild
sim=${DEVICE_SIM_JAR:-device-sim/target/device-sim.jar}  # during a long run cannot pull the jar from under it
if [ ! -f "$jar" ] || [ ! -f "$sim" ]; then
  mvn -B -q -pl daemon,device-sim -am package -DskipTests
fi

work=$(mktemp -d /tmp/conveyord-saturation.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

read -r p_gpio p_scale p_printer p_scan1 p_scan2 p_http p_mqtt < <(python3 -c '
import socket
ss=[socket.socket() for _ in range(7)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
sed -e "s/port: 7070/port: $p_gpio/" -e "s/127.0.0.1:7101/127.0.0.1:$p_scale/" -e "s/127.0.0.1:7102/127.0.0.1:$p_printer/" \
    -e "s/127.0.0.1:7103/127.0.0.1:$p_scan1/" -e "s/127.0.0.1:7104/127.0.0.1:$p_scan2/" "$line" > "$work/line.yaml"
printf '\nhttp:\n  listen: 127.0.0.1:%s\n' "$p_http" >> "$work/line.yaml"

cp "$scenario" "$work/saturation.yaml"
if [ -n "$minutes" ]; then
  # the feed's duration, and the timeout with two minutes to settle
  sed -i -E -e "s/(saturate: \{from: [0-9.]+, )minutes: [0-9.]+/\1minutes: $minutes/" \
      -e "s/timeoutS: [0-9.]+/timeoutS: $(python3 -c "print(int($minutes*60+120))")/" "$work/saturation.yaml"
fi

if [ -z "$url" ]; then
  mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  [ -x "$mosq" ] || { echo "run-saturation.sh: mosquitto is not installed: apt-get install mosquitto" >&2; exit 1; }
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n' "$p_mqtt" > "$work/mosquitto.conf"
  "$mosq" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/"$p_mqtt") 2>/dev/null && break; sleep 0.1; done
  url="tcp://127.0.0.1:$p_mqtt"
fi

echo "run-saturation.sh: $(grep -o 'saturate: {[^}]*' "$work/saturation.yaml" | head -1)...; broker $url; logs in $work" >&2
echo "run-saturation.sh: load before: $(uptime)" >&2
status=0
mkdir -p "$work/state"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$sim" --config "$work/line.yaml" --mqtt-url "$url" \
  --scenario "$work/saturation.yaml" --daemon-jar "$jar" --daemon-state-dir "$work/state" > "$work/device-sim.log" 2>&1 || status=$?
echo "run-saturation.sh: load after: $(uptime)" >&2
# the scorecard is the simulator's stdout after its log lines
sed -n '/^scenario /,$p' "$work/device-sim.log" | grep -v '^[0-9][0-9]:[0-9][0-9]:' || true
grep -q '^RESULT ' "$work/device-sim.log" || { echo "run-saturation.sh: no result (status $status); see $work/device-sim.log" >&2; tail -5 "$work/device-sim.log" >&2; }
exit "$status"
