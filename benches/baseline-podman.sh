#!/usr/bin/env bash
# The bare libpod REST calls, nothing around them: curl on the service's
# socket, the same requests migbench sends (checkpoint with export=true and
# printStats=true, the archive to a file; import-restore with the archive as
# the body), at concurrency C. Usage: baseline-podman.sh N C IMAGE DIR SOCKET
# Prints "checkpoint_s=<s> restore_s=<s>".
set -euo pipefail
n=$1 c=$2 image=$3 dir=$4 sock=$5
api=http://d/v4.0.0/libpod
label="bl-curl-$c-$$"
call() { curl -sf --unix-socket "$sock" "$@"; }
for i in $(seq "$n"); do
    call -X POST -H 'Content-Type: application/json' "$api/containers/create" -d "{
        \"name\": \"$label-$i\", \"image\": \"$image\",
        \"command\": [\"/workload\", \"--interval-ms\", \"200\", \"--memory-mib\", \"0\"],
        \"labels\": {\"io.migbench.run\": \"$label\"}, \"netns\": {\"nsmode\": \"none\"},
        \"r_limits\": [{\"type\": \"nofile\", \"soft\": 1024, \"hard\": 1024},
                       {\"type\": \"nproc\", \"soft\": 1024, \"hard\": 1024}]}" >/dev/null
    call -X POST "$api/containers/$label-$i/start" >/dev/null
done
sleep 1
export sock api label dir
t0=$(date +%s.%N)
seq "$n" | xargs -P "$c" -I{} sh -c \
    'curl -sf --unix-socket "$sock" -X POST -o "$dir/cp{}.tar" "$api/containers/$label-{}/checkpoint?export=true&printStats=true"'
t1=$(date +%s.%N)
seq "$n" | xargs -P "$c" -I{} sh -c \
    'curl -sf --unix-socket "$sock" -X POST -H "Content-Type: application/x-tar" --data-binary "@$dir/cp{}.tar" "$api/containers/import/restore?import=true&printStats=true&name=$label-{}-r" >/dev/null'
t2=$(date +%s.%N)
filters=$(printf '{"label":["io.migbench.run=%s"]}' "$label" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
# timeout=0, as migbench does: the workload ignores SIGTERM, a plain forced remove waits 10 s.
for id in $(call "$api/containers/json?all=true&filters=$filters" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
    call -X DELETE "$api/containers/$id?force=true&timeout=0" >/dev/null
done
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "checkpoint_s=%.3f restore_s=%.3f\n", b - a, c - b }'
