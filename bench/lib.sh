# Shared by the bench/*.sh scripts that run smokex serve: source it after
# setting work (a temporary folder) and, for PostgreSQL, schema.
#
#   build NAME...          builds cmd/smokex (or copies $SMOKEX, another
#                          build) and each bench/NAME into $work
#   start_target           starts bench/target, sets base (its URL)
#   pids+=(PID)            processes that cleanup kills and waits for
#   start_serve LOG ARGS   starts "$work/smokex serve ARGS" with its log in
#                          LOG, sets serve_pid and url (the dashboard's URL)
#   wait_file FILE         waits until FILE is written (an -addr-file)
#   write_plans DIR N EVERY  writes N one-step plans p1..pN "@every EVERY"
#                          into DIR: GET ${base}/echo?token=tI, its status,
#                          X-Echo header and JSON token checked

pids=()

cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n ${DATABASE_URL:-} && -n ${schema:-} ]] && command -v psql >/dev/null; then
		psql -q "$DATABASE_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_file() {
	for _ in $(seq 100); do
		[[ -s $1 ]] && return 0
		sleep 0.05
	done
	echo "$(basename "$0"): $1 was not written" >&2
	exit 1
}

start_serve() {
	local log=$1
	shift
	"$work/smokex" serve "$@" 2>"$log" &
	serve_pid=$!
	pids+=("$serve_pid")
	url=
	for _ in $(seq 600); do
		url=$(sed -n 's/^smokex serve: dashboard at //p' "$log")
		[[ -n $url ]] && return 0
		sleep 0.05
	done
	echo "$(basename "$0"): serve did not start:" >&2
	tail -20 "$log" >&2
	exit 1
}

build() {
	echo "building into $work" >&2
	(
		cd "$root"
		if [[ -n ${SMOKEX:-} ]]; then
			cp "$SMOKEX" "$work/smokex"
		else
			go build -o "$work/smokex" ./cmd/smokex
		fi
		for name in "$@"; do
			go build -o "$work/$name" "./bench/$name"
		done
	)
}

start_target() {
	"$work/target" -addr 127.0.0.1:0 -addr-file "$work/addr" &
	pids+=($!)
	wait_file "$work/addr"
	base="http://$(cat "$work/addr")"
}

write_plans() {
	mkdir -p "$1"
	for i in $(seq 1 "$2"); do
		cat >"$1/p$i.yaml" <<PLAN
name: p$i
schedule: "@every $3"
steps:
  - get:
      name: echo
      url: "\${base}/echo?token=t$i"
      expect:
        status_code: 200
        headers: {X-Echo: "yes"}
        json: {token: t$i}
PLAN
	done
}
