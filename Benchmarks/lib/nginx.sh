# Sourced by the benchmarks that put nginx beside the gateway (Benchmarks/http/run.sh, Benchmarks/lookup/*.sh).
# nginx_conf FILE WORK PORT LOCATIONS: a one-worker nginx on 127.0.0.1:PORT, no access log, keep-alive for the whole
# run, its temporary paths under WORK, serving the `location` lines LOCATIONS.
nginx_conf() {
  local file=$1 work=$2 port=$3 locations=$4
  cat > "$file" <<NGINX
worker_processes 1;
master_process off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy; fastcgi_temp_path $work/fcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server {
    listen 127.0.0.1:$port backlog=4096;
$locations
  }
}
NGINX
}
