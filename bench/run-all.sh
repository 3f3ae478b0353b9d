#!/usr/bin/env bash
# Every benchmark of issue 12 in one go, on a local Mosquitto this script starts on a free loopback
# port: control, delivery, commands, idle, startup, saturation. Collects each one's `RESULT {json}`
# line and writes bench/results/<date>.json and bench/results/<date>.md (a markdown table stating the
# machine and its load before and after), then regenerates the README's performance section (between
# <!-- perf:begin --> and <!-- perf:end -->) from that table.
#
#   ./bench/run-all.sh                      # full: control and saturation 10 minutes each (~30 min)
#   ./bench/run-all.sh --minutes 2          # control and saturation 2 minutes each
#   ./bench/run-all.sh --quick --no-readme  # the CI smoke: seconds per benchmark, README untouched
#   ./bench/run-all.sh --only saturation,delivery
#   ./bench/run-all.sh --out /tmp/results   # somewhere else than bench/results/
#   ./bench/run-all.sh --readme-from bench/results/2026-12-03T1240Z.json   # only regenerate the README
#
# These are benchmarks, not tests: nothing here judges a figure. A benchmark this checkout does not have
# yet (`bench.jar` answers "unknown command") is recorded as "not run"; one that fails, or ends without a
# RESULT line, is recorded as such and the others still run. Extra arguments per benchmark:
# BENCH_ARGS_<NAME> (e.g. BENCH_ARGS_CONTROL="--bags-per-s 20"). Exit status 0 when the results were
# written, whatever the benchmarks did; 2 on a bad option.
set -uo pipefail
cd "$(dirname "$0")/.."
. tools/find-jdk.sh

all=(control delivery commands idle startup saturation)
quick=0
minutes=10
readme=1
readme_from=""
only=""
out=bench/results
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --minutes) minutes="$2"; shift 2 ;;
    --no-readme) readme=0; shift ;;
    --only) only="$2"; shift 2 ;;
    --readme-from) readme_from="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "run-all.sh: unknown option $1; expected --quick, --minutes N, --no-readme, --only a,b, --out DIR, --readme-from FILE" >&2; exit 2 ;;
  esac
done
if [ -n "$readme_from" ]; then
  exec python3 bench/perf_report.py readme "$readme_from" README.md
fi
if ! [[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]]; then echo "run-all.sh: --minutes expects a number, got $minutes" >&2; exit 2; fi
benches=("${all[@]}")
if [ -n "$only" ]; then
  IFS=, read -r -a benches <<< "$only"
  for b in "${benches[@]}"; do
    [[ " ${all[*]} " == *" $b "* ]] || { echo "run-all.sh: unknown benchmark $b; expected some of ${all[*]}" >&2; exit 2; }
  done
fi

if [ ! -f bench/target/bench.jar ] || [ ! -f daemon/target/conveyord.jar ] || [ ! -f device-sim/target/device-sim.jar ]; then
  echo "run-all.sh: building the jars ..." >&2
  mvn -B -q -pl bench,daemon,device-sim -am package -DskipTests || { echo "run-all.sh: build failed" >&2; exit 1; }
fi

date_id=$(date -u +%Y-%m-%dT%H%MZ)
work=$(mktemp -d /tmp/conveyord-bench.XXXXXX)
mosq_pid=""
trap '[ -n "$mosq_pid" ] && kill "$mosq_pid" 2>/dev/null' EXIT

mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosq" ] || { echo "run-all.sh: mosquitto is not installed: apt-get install mosquitto" >&2; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n' "$port" > "$work/mosquitto.conf"
"$mosq" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
mosq_pid=$!
for _ in $(seq 1 50); do (echo > /dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
url="tcp://127.0.0.1:$port"
echo "run-all.sh: broker $url, logs in $work" >&2

java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED)
# control runs the daemon's line in the bench process: with the unit's JVM flags
# (systemd/conveyord.service's JAVA_OPTS, all of them: heap sizing, SerialGC, C1 only, stack size,
# less the box's tmpdir). idle, startup and commands start the daemon with those flags themselves;
# their own process (the harness and device-sim) gets a plain small heap.
harness_flags=(-XX:+UseSerialGC -Xmx96m)
read -r -a unit_flags <<< "$(sed -n 's/^Environment="JAVA_OPTS=\([^"]*\)"$/\1/p' systemd/conveyord.service | sed 's# -Djava.io.tmpdir=[^ ]*##')"
[ ${#unit_flags[@]} -gt 0 ] || { echo "run-all.sh: no JAVA_OPTS in systemd/conveyord.service" >&2; exit 1; }

# how each benchmark is run: full and quick (smoke) form
args_for() {
  local name=$1
  case "$name:$quick" in
    control:1) echo "--seconds 5 --warmup-s 1 --estops 2 --mqtt-url $url" ;;
    control:0) echo "--minutes $minutes --mqtt-url $url" ;;
    delivery:1) echo "--warmup-s 1 --throughput-s 2 --latency-s 2 --outage-s 3 --outage-rate 200" ;;
    delivery:0) echo "" ;;
    saturation:1) echo "--quick --mqtt-url $url" ;;
    idle:1) echo "--seconds 2 --warmup-seconds 1 --mqtt-url $url" ;;
    startup:1) echo "--runs 1 --mqtt-url $url" ;;
    commands:1) echo "--count 50 --warmup 10 --idle-seconds 1 --mqtt-url $url" ;;
    saturation:0) echo "--minutes $minutes --mqtt-url $url" ;;
    *) echo "--mqtt-url $url" ;;
  esac
}

command_for() {
  case "$1" in
    delivery) echo "bench/run-delivery.sh" ;;
    saturation) echo "bench/run-saturation.sh" ;;
    control) echo "${java[*]} ${unit_flags[*]} -jar bench/target/bench.jar $1" ;;
    *) echo "${java[*]} ${harness_flags[*]} -jar bench/target/bench.jar $1" ;;
  esac
}

# the delivery benchmark prints its figures as text: its RESULT line is made from them here
delivery_result() {
  python3 - "$1" <<'PY'
import json, re, sys
text = open(sys.argv[1], errors="replace").read()
out = {"bench": "delivery"}
m = re.search(r"sustained: ([\d,]+) events in ([\d.]+) s = ([\d,]+) events/s delivered.*?missing (\d+); CPU per event: daemon side ([\d.]+) us", text)
if m:
    out.update(eventsPerS=int(m.group(3).replace(",", "")), missing=int(m.group(4)), cpuUsPerEvent=float(m.group(5)))
m = re.search(r"latency at ([\d,]+) events/s: p50 (\d+) us, p99 (\d+) us, p99.9 (\d+) us", text)
if m:
    out.update(latencyRate=int(m.group(1).replace(",", "")), p50Us=int(m.group(2)), p99Us=int(m.group(3)), p999Us=int(m.group(4)))
m = re.search(r"replay: .*?([\d,]+) events/s", text)
if m:
    out.update(replayEventsPerS=int(m.group(1).replace(",", "")))
if len(out) > 1:
    print("RESULT " + json.dumps(out))
PY
}

machine=$(python3 - "$JAVA_HOME" "$mosq" <<'PY'
import json, os, platform, re, subprocess, sys
cpu = "unknown CPU"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip(); break
except OSError:
    pass
ram = 0
try:
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            ram = round(int(line.split()[1]) / 1024 / 1024, 1)
except OSError:
    pass
jdk = subprocess.run([sys.argv[1] + "/bin/java", "-version"], capture_output=True, text=True).stderr.splitlines()
mv = subprocess.run([sys.argv[2], "-h"], capture_output=True, text=True).stdout.splitlines()
print(json.dumps({"nproc": os.cpu_count(), "cpu": cpu, "ramGiB": ram, "kernel": platform.release(),
                  "jdk": jdk[0] if jdk else "unknown JDK", "mosquitto": mv[0] if mv else "mosquitto"}))
PY
)
load_before=$(uptime | sed 's/.*load average: //')
echo "run-all.sh: $machine; load before: $load_before" >&2

for name in "${benches[@]}"; do
  extra_var="BENCH_ARGS_${name^^}"
  args="$(args_for "$name") ${!extra_var:-}"
  cmd="$(command_for "$name")"
  echo "==== $name: $cmd $args" >&2
  start=$(date +%s)
  # shellcheck disable=SC2086  # word splitting of the argument strings is meant
  $cmd $args > "$work/$name.log" 2>&1
  code=$?
  took=$(( $(date +%s) - start ))
  [ "$name" = delivery ] && ! grep -q '^RESULT ' "$work/$name.log" && delivery_result "$work/$name.log" >> "$work/$name.log"
  if grep -q "unknown command '$name'" "$work/$name.log"; then
    status="not run"; why="this checkout's bench.jar has no '$name' command"
  elif [ $code -ne 0 ]; then
    status="failed"; why="exit $code: $(grep -v '^RESULT ' "$work/$name.log" | tail -1 | cut -c1-200)"
  else
    status="ok"; why=""
  fi
  python3 -c 'import json,sys; print(json.dumps({"status":sys.argv[1],"why":sys.argv[2],"exit":int(sys.argv[3]),"seconds":int(sys.argv[4]),"args":sys.argv[5].strip()}))' \
    "$status" "$why" "$code" "$took" "$args" > "$work/$name.status"
  echo "     $status in ${took} s$([ -n "$why" ] && echo ": $why")" >&2
  grep '^RESULT ' "$work/$name.log" | tail -1 >&2
done
load_after=$(uptime | sed 's/.*load average: //')

mode="--minutes $minutes"
[ $quick = 1 ] && mode="--quick"
[ -n "$only" ] && mode="$mode --only $only"
python3 -c 'import json,sys; print(json.dumps({"date":sys.argv[1],"mode":sys.argv[2],"benches":sys.argv[3].split(),"machine":json.loads(sys.argv[4]),"load":{"before":sys.argv[5],"after":sys.argv[6]}}))' \
  "$date_id" "$mode" "${benches[*]}" "$machine" "$load_before" "$load_after" > "$work/meta.json"
mkdir -p "$out"
python3 bench/perf_report.py collect "$work" "$out/$date_id" || { echo "run-all.sh: could not write the results" >&2; exit 1; }
echo "run-all.sh: wrote $out/$date_id.json and $out/$date_id.md" >&2
cat "$out/$date_id.md"
if [ $readme = 1 ]; then
  python3 bench/perf_report.py readme "$out/$date_id.json" README.md && echo "run-all.sh: README.md performance section regenerated" >&2
fi
