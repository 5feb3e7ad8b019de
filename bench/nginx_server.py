"""nginx as a benchmark server: started on a free loopback port with a generated config
(keep-alive on, one fixed 22-byte JSON answer for every path), for the scripts in bench/."""
import os
import socket
import subprocess
import time
import urllib.request


NGINX_CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  server {{
    listen 127.0.0.1:{port};
    location / {{ default_type application/json; return 200 '{{"id":1,"done":false}}\\n'; }}
  }}
}}
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NginxServer:
    name = "nginx"

    def __init__(self, nginx, workdir):
        directory = os.path.join(workdir, "nginx")
        os.makedirs(directory)
        port = free_port()
        config = os.path.join(directory, "nginx.conf")
        with open(config, "w") as out:
            out.write(NGINX_CONFIG.format(dir=directory, port=port))
        self.process = subprocess.Popen([nginx, "-p", directory, "-c", config],
                                        stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # up to 10 s for it to listen
            try:
                urllib.request.urlopen(self.base + "/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise SystemExit("nginx did not start")

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
