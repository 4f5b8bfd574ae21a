#!/usr/bin/env bash
# Throwaway ZooKeeper 3.8 (Debian's package) for tests, bound to 127.0.0.1 only.
#   zk-server.sh start DIR [--ensemble N]   starts N servers (default 1), waits until they
#                                           serve, prints the connect string on stdout
#   zk-server.sh stop DIR                   stops every server started in DIR (by pid)
#   zk-server.sh kill-one DIR I / start-one DIR I   stop / restart server I (1-based)
# Environment: ZK_HEAP_MB (default 256), ZK_JAVA_OPTS (extra JVM flags, e.g.
# -Djute.maxbuffer=...), ZK_START_TIMEOUT_S (default 120), ZK_EXTRA_CFG (lines appended to zoo.cfg).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR [--ensemble N] | kill-one|start-one DIR I" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1 dir=$2; shift 2

classpath() {
    local cp=/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar
    # zookeeper.jar's manifest names the rest; slf4j-simple gives the log a binding.
    for j in slf4j-api slf4j-simple; do
        [ -e /usr/share/java/$j.jar ] && cp=$cp:/usr/share/java/$j.jar
    done
    echo "$cp"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Answers "imok" when the server at port $1 is serving; for an ensemble, also requires a mode.
serving() {
    local port=$1 quorum=$2 out
    out=$( { exec 3<>/dev/tcp/127.0.0.1/"$port" && printf srvr >&3 && timeout 5 cat <&3; } 2>/dev/null) || return 1
    if [ "$quorum" = 1 ]; then
        grep -Eq '^Mode: (leader|follower)' <<<"$out"
    else
        grep -Eq '^Mode: standalone' <<<"$out"
    fi
}

start_server() { # i
    local i=$1 sdir=$dir/server-$1
    local heap=${ZK_HEAP_MB:-256}
    # shellcheck disable=SC2086
    nohup java -Xmx${heap}m -Xms32m -XX:+UseSerialGC ${ZK_JIT_FLAGS--XX:TieredStopAtLevel=1} -Xss512k \
        -Dzookeeper.admin.enableServer=false -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
        -Dzookeeper.4lw.commands.whitelist=srvr,ruok,mntr,stat,cons \
        ${ZK_JAVA_OPTS:-} -cp "$(classpath)" \
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$sdir/zoo.cfg" \
        >"$sdir/server.log" 2>&1 </dev/null &
    echo $! >"$sdir/pid"
}

wait_serving() { # i quorum
    local i=$1 sdir=$dir/server-$1 quorum=$2
    local port; port=$(cat "$sdir/port")
    local deadline=$((SECONDS + ${ZK_START_TIMEOUT_S:-120}))
    while ! serving "$port" "$quorum"; do
        if ! kill -0 "$(cat "$sdir/pid")" 2>/dev/null; then
            echo "zk-server.sh: server $i exited; log $sdir/server.log:" >&2
            tail -n 20 "$sdir/server.log" >&2
            return 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "zk-server.sh: server $i on 127.0.0.1:$port not serving after ${ZK_START_TIMEOUT_S:-120}s" >&2
            return 1
        fi
        sleep 0.2
    done
}

stop_server() { # i
    local sdir=$dir/server-$1 pid
    [ -f "$sdir/pid" ] || return 0
    pid=$(cat "$sdir/pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$sdir/pid"
}

case $action in
start)
    n=1
    while [ $# -gt 0 ]; do
        case $1 in
        --ensemble) n=$2; shift 2 ;;
        *) usage ;;
        esac
    done
    [ "$n" -ge 1 ] && [ "$n" -le 7 ] || { echo "zk-server.sh: --ensemble must be 1..7" >&2; exit 2; }
    if [ -f "$dir/count" ]; then
        for i in $(seq 1 "$(cat "$dir/count")"); do
            if [ -f "$dir/server-$i/pid" ] && kill -0 "$(cat "$dir/server-$i/pid")" 2>/dev/null; then
                echo "zk-server.sh: $dir already has a running server (pid $(cat "$dir/server-$i/pid")); stop it first" >&2
                exit 1
            fi
        done
    fi
    mkdir -p "$dir"
    ports=() peers=()
    for i in $(seq 1 "$n"); do
        ports[$i]=$(free_port)
        peers[$i]="server.$i=127.0.0.1:$(free_port):$(free_port)"
    done
    connect=""
    for i in $(seq 1 "$n"); do
        sdir=$dir/server-$i
        mkdir -p "$sdir/data"
        echo "$i" >"$sdir/data/myid"
        echo "${ports[$i]}" >"$sdir/port"
        {
            echo "tickTime=500"
            echo "initLimit=60"
            echo "syncLimit=20"
            echo "dataDir=$sdir/data"
            echo "clientPort=${ports[$i]}"
            echo "clientPortAddress=127.0.0.1"
            echo "maxClientCnxns=0"
            echo "admin.enableServer=false"
            echo "4lw.commands.whitelist=srvr,ruok,mntr,stat,cons"
            echo "autopurge.purgeInterval=0"
            echo "minSessionTimeout=1000"
            echo "maxSessionTimeout=60000"
            if [ "$n" -gt 1 ]; then
                echo "quorumListenOnAllIPs=false"
                for j in $(seq 1 "$n"); do echo "${peers[$j]}"; done
            fi
            [ -n "${ZK_EXTRA_CFG:-}" ] && echo "$ZK_EXTRA_CFG"
        } >"$sdir/zoo.cfg"
        connect="${connect:+$connect,}127.0.0.1:${ports[$i]}"
    done
    echo "$n" >"$dir/count"
    echo "$connect" >"$dir/connect"
    for i in $(seq 1 "$n"); do start_server "$i"; done
    quorum=0; [ "$n" -gt 1 ] && quorum=1
    for i in $(seq 1 "$n"); do
        if ! wait_serving "$i" "$quorum"; then
            for j in $(seq 1 "$n"); do stop_server "$j"; done
            exit 1
        fi
    done
    echo "$connect"
    ;;
stop)
    [ -f "$dir/count" ] || exit 0
    for i in $(seq 1 "$(cat "$dir/count")"); do stop_server "$i"; done
    ;;
kill-one)
    [ $# -ge 1 ] || usage
    stop_server "$1"
    ;;
start-one)
    [ $# -ge 1 ] || usage
    start_server "$1"
    quorum=0; [ "$(cat "$dir/count")" -gt 1 ] && quorum=1
    wait_serving "$1" "$quorum" || { stop_server "$1"; exit 1; }
    ;;
*) usage ;;
esac
