# Sourced by bash scripts that boot three `zk2kraft controller` processes from
# `zk2kraft migrate` output, each with a PLAINTEXT client listener next to its
# CONTROLLER listener. The caller sets ZK2KRAFT (binary), CTL_DIR (migrate's
# --out) and CTL_IDS (node ids, e.g. "1 2 3"), calls ctl_ports, migrates with
# "$CTL_VOTERS", then ctl_add_client_listeners (and, for dual-write,
# ctl_add_migration) and ctl_start; its EXIT trap
# calls ctl_stop_all. Nothing here asserts; callers decide what a failure means.

CTL_WAIT_S=${CTL_WAIT_S:-30} # generous: a loaded 2-core machine
declare -A CTL_PID CTL_RAFT_PORT CTL_CLIENT_PORT

ctl_free_ports() { # N -> N free loopback ports
    python3 -c 'import socket,sys
s=[socket.socket() for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1",0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}

# Picks a Raft and a client port per node; sets CTL_VOTERS and CTL_BOOTSTRAP.
ctl_ports() {
    local ports i k=0
    read -r -a ports <<<"$(ctl_free_ports $((2 * $(wc -w <<<"$CTL_IDS"))))"
    CTL_VOTERS="" CTL_BOOTSTRAP=""
    for i in $CTL_IDS; do
        CTL_RAFT_PORT[$i]=${ports[$k]} CTL_CLIENT_PORT[$i]=${ports[$((k + 1))]}
        k=$((k + 2))
        CTL_VOTERS+="${CTL_VOTERS:+,}$i@127.0.0.1:${CTL_RAFT_PORT[$i]}"
        CTL_BOOTSTRAP+="${CTL_BOOTSTRAP:+,}127.0.0.1:${CTL_CLIENT_PORT[$i]}"
    done
}

# migrate wrote a CONTROLLER-only listener; add PLAINTEXT://127.0.0.1:<client port>.
ctl_add_client_listeners() {
    local i f endpoints=""
    # Every controller lists every voter's client endpoint as a broker (Metadata, DescribeCluster).
    for i in $CTL_IDS; do endpoints+="${endpoints:+,}$i@127.0.0.1:${CTL_CLIENT_PORT[$i]}"; done
    for i in $CTL_IDS; do
        f=$CTL_DIR/node-$i/controller.properties
        sed -i -e "s|^listeners=.*|listeners=CONTROLLER://127.0.0.1:${CTL_RAFT_PORT[$i]},PLAINTEXT://127.0.0.1:${CTL_CLIENT_PORT[$i]}|" \
            -e "s|^listener.security.protocol.map=.*|listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT|" "$f"
        echo "advertised.listeners=PLAINTEXT://127.0.0.1:${CTL_CLIENT_PORT[$i]}" >>"$f"
        echo "controller.client.endpoints=$endpoints" >>"$f"
    done
}

# ctl_add_migration ZK_CONNECT [KEY=VALUE...]: every node runs in migration mode
# (docs/dual-write.md) against ZK_CONNECT, with the extra keys given (the two
# migration keys `migrate --dual-write --zookeeper` wrote are replaced).
ctl_add_migration() {
    local zk=$1 i f
    shift
    for i in $CTL_IDS; do
        f=$CTL_DIR/node-$i/controller.properties
        sed -i -e '/^zookeeper\.metadata\.migration\.enable=/d' -e '/^zookeeper\.connect=/d' "$f"
        {
            echo "zookeeper.metadata.migration.enable=true"
            echo "zookeeper.connect=$zk"
            [ $# -gt 0 ] && printf '%s\n' "$@"
        } >>"$f"
    done
}

ctl_start() { # ID: starts node ID in the background, log in CTL_DIR/node-ID.log
    "$ZK2KRAFT" controller --config "$CTL_DIR/node-$1/controller.properties" >>"$CTL_DIR/node-$1.log" 2>&1 &
    CTL_PID[$1]=$!
}

ctl_kill() { # ID [SIGNAL]
    [ -n "${CTL_PID[$1]:-}" ] || return 0
    kill "-${2:-9}" "${CTL_PID[$1]}" 2>/dev/null || true
    wait "${CTL_PID[$1]}" 2>/dev/null || true # its status is 128+signal
    CTL_PID[$1]=""
}

ctl_stop_all() {
    local i
    for i in "${!CTL_PID[@]}"; do ctl_kill "$i" 9; done
}

# ctl_describe ID -> "leader epoch hw" as node ID sees it (empty on failure)
ctl_describe() {
    "$ZK2KRAFT" quorum describe --bootstrap-controller "127.0.0.1:${CTL_RAFT_PORT[$1]}" --status --output json 2>/dev/null |
        python3 -c 'import json,sys
d=json.load(sys.stdin); print(d["leaderId"], d["leaderEpoch"], d["highWatermark"])' 2>/dev/null
}

# ctl_wait_leader MIN_EPOCH ID... -> "leader epoch hw" once a live node reports a
# leader among the live nodes with epoch >= MIN_EPOCH; exit 1 after CTL_WAIT_S.
ctl_wait_leader() {
    local min=$1; shift
    local deadline=$((SECONDS + CTL_WAIT_S)) n out l e h
    while [ "$SECONDS" -lt "$deadline" ]; do
        for n in "$@"; do
            out=$(ctl_describe "$n")
            [ -n "$out" ] || continue
            read -r l e h <<<"$out"
            if [ "$e" -ge "$min" ] && [[ " $* " == *" $l "* ]]; then echo "$out"; return 0; fi
        done
        sleep 0.1
    done
    return 1
}

# ctl_client_listening ID: node ID accepts TCP connections on its client port
ctl_client_listening() {
    { exec 3<>"/dev/tcp/127.0.0.1/${CTL_CLIENT_PORT[$1]}"; } 2>/dev/null || return 1
    exec 3>&- 3<&-
}
