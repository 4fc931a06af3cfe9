# Sourced by the bench scripts: serve a site made by bench/crawl/gensite.py with nginx.
#   site_start DIR   writes DIR/nginx.conf (one server per line of DIR/site/hosts.txt, root DIR/site/HOST_PORT,
#                    ETags on, no access log), stops a server an interrupted run left on DIR/nginx.pid, starts
#                    nginx and waits for it
#   site_stop DIR    stops it (quietly; safe when it is not running)
# nginx is found on PATH or at /usr/sbin/nginx; installing it is the caller's job.

site_nginx() { command -v nginx || echo /usr/sbin/nginx; }

site_start() {
  local dir=$1 host
  {
    echo "worker_processes 1; daemon on; pid $dir/nginx.pid; error_log $dir/nginx-error.log;"
    echo "events { worker_connections 1024; }"
    echo "http { access_log off; sendfile on; keepalive_requests 100000; default_type text/html;"
    while read -r host; do
      echo "  server { listen $host; root $dir/site/${host/:/_}; etag on; }"
    done < "$dir/site/hosts.txt"
    echo "}"
  } > "$dir/nginx.conf"
  # A server left over from an interrupted run holds the addresses: stop it first.
  if [ -f "$dir/nginx.pid" ]; then kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true; sleep 0.3; fi
  "$(site_nginx)" -c "$dir/nginx.conf" -p "$dir"
  sleep 0.5
}

site_stop() {
  "$(site_nginx)" -c "$1/nginx.conf" -p "$1" -s stop 2>/dev/null || true
}
