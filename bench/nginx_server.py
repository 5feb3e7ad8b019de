"""nginx as a benchmark server: started on a free loopback port with a generated config
(keep-alive on, one fixed 22-byte JSON answer for every path), for the scripts in bench/.
NginxServer is the plain HTTP one; start_nginx() is what a variant (https_bench.py's TLS
server) shares with it."""
import os
import socket
import subprocess
import time
import urllib.request


# {http} is what a variant adds to the http block (logging, TLS), {listen} to the listen line.
NGINX_CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
{http}
  server {{
    listen 127.0.0.1:{port}{listen};
    location / {{ default_type application/json; return 200 '{{"id":1,"done":false}}\\n'; }}
  }}
}}
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_nginx(nginx, directory, port, answers, http="  access_log off;", listen=""):
    """Writes the config into directory, starts nginx and waits up to 10 s for answers()
    (a probe of the new server) to be true; returns the process."""
    config = os.path.join(directory, "nginx.conf")
    with open(config, "w") as out:
        out.write(NGINX_CONFIG.format(dir=directory, port=port, http=http, listen=listen))
    process = subprocess.Popen([nginx, "-p", directory, "-c", config], stderr=subprocess.DEVNULL)
    for _ in range(100):
        if answers():
            return process
        time.sleep(0.1)
    process.terminate()
    process.wait(timeout=10)
    raise SystemExit("nginx did not start")


class NginxServer:
    name = "nginx"

    def __init__(self, nginx, workdir):
        directory = os.path.join(workdir, "nginx")
        os.makedirs(directory)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.process = start_nginx(nginx, directory, port, self.answers)

    def answers(self):
        try:
            urllib.request.urlopen(self.base + "/", timeout=1).read()
            return True
        except OSError:
            return False

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)
