# Sourced by the bench scripts: start_nginx PORT WORK starts nginx on
# 127.0.0.1:PORT from bench/nginx.conf, its config and logs in WORK, its
# worker pinned to the machine's last CPU, and sets pin to the command
# prefix that pins a generator to CPU 0 (empty on one CPU), so the
# generator and the target never share a core. The caller stops it:
#   trap 'nginx -c "$work/nginx.conf" -s stop' EXIT
start_nginx() {
  local port="$1" work="$2" cpus mask=1
  cpus=$(nproc)
  pin=()
  if [ "$cpus" -ge 2 ]; then
    mask=$(printf '1%0*d' "$((cpus - 1))" 0)
    pin=(taskset -c 0)
  fi
  sed -e "s|@PORT@|$port|" -e "s|@DIR@|$work|g" -e "s|@CPUMASK@|$mask|" bench/nginx.conf >"$work/nginx.conf"
  nginx -c "$work/nginx.conf"
  sleep 0.3
}
