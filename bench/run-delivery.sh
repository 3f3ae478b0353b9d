#!/usr/bin/env bash
# The delivery benchmark (issue 5): gateway + durable outbox + a local Mosquitto (or MQTT_BENCH_URL).
#   ./bench/run-delivery.sh                  # full run: 10 s throughput, 10 s latency, 60 s outage
#   ./bench/run-delivery.sh --outage-s 10    # quicker; other options: --throughput-s --latency-rate
#                                            #   --latency-s --outage-rate --fsync batched|every-write
# Builds bench/target/bench.jar first if it is missing (mvn -B -q -pl bench -am package -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/find-jdk.sh
if [ ! -f bench/target/bench.jar ]; then
  mvn -B -q -pl bench -am package -DskipTests
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx512m \
  -cp bench/target/bench.jar org.conveyord.bench.delivery.DeliveryBench "$@"
