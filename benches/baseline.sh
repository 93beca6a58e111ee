#!/usr/bin/env bash
# The lab's method, verbatim in spirit: a shell loop over the docker CLI, one
# container at a time, no sleeps. Usage: baseline.sh N IMAGE CHECKPOINT_DIR
# Prints "checkpoint_s=<s> restore_s=<s>".
set -euo pipefail
n=$1 image=$2 dir=$3
root=$(docker info -f '{{.DockerRootDir}}')
label=io.migbench.run=baseline-cli
for i in $(seq "$n"); do
    docker run -d --network none --label "$label" --name "bl-cli-$i" "$image" /workload --interval-ms 200 >/dev/null
done
sleep 1
t0=$(date +%s.%N)
for i in $(seq "$n"); do
    docker checkpoint create --checkpoint-dir="$dir" "bl-cli-$i" "cp$i" >/dev/null
done
t1=$(date +%s.%N)
for i in $(seq "$n"); do
    id=$(docker create --network none --label "$label" --name "bl-cli-$i-r" "$image" /workload --interval-ms 200)
    mkdir -p "$root/containers/$id/checkpoints"
    cp -r "$dir/cp$i" "$root/containers/$id/checkpoints/"
    docker start --checkpoint "cp$i" "bl-cli-$i-r" >/dev/null
done
t2=$(date +%s.%N)
docker rm -f $(docker ps -aq --filter "label=$label") >/dev/null
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "checkpoint_s=%.3f restore_s=%.3f\n", b - a, c - b }'
