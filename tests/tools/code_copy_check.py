"""The code copier of macro-template.yaml (CodeCopier's inline ZipFile), run as Lambda runs
it: its handler called with CloudFormation's custom resource events, against moto's S3 over
real HTTP (a ThreadedMotoServer on 127.0.0.1), a loopback server that publishes the code,
and one that receives the answers at the events' ResponseURL. Each case prints one JSON
line {"case", "ok", "why"}; the exit code is 1 when any case fails.

    python tests/tools/code_copy_check.py macro-template.yaml
"""

import hashlib
import http.server
import json
import logging
import os
import sys
import threading
import time
import types

import boto3
import yaml
from moto.server import ThreadedMotoServer


class CfnLoader(yaml.SafeLoader):
    pass


# CloudFormation's short forms, kept as tagged values: only ZipFile is read here.
CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def copier_source(template_path):
    with open(template_path) as f:
        template = yaml.load(f, Loader=CfnLoader)
    return template["Resources"]["CodeCopier"]["Properties"]["Code"]["ZipFile"]


class Loopback(http.server.BaseHTTPRequestHandler):
    files = {}
    answers = []

    def do_GET(self):
        if self.path == "/to-http":
            self.send_response(302)
            self.send_header("Location", "http://example.com/bootstrap.zip")
            self.end_headers()
            return
        if self.path == "/slow.zip":
            # A body that trickles in: 100 bytes every 0.2 s, 40 s in all.
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"x" * 100)
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the copier gave up, as it should
            return
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def do_PUT(self):
        length = int(self.headers["Content-Length"])
        self.answers.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def main(template_path):
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    os.environ.update({
        "AWS_ENDPOINT_URL_S3": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-north-1",
    })
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Loopback)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{web.server_address[1]}"
    code_v1, code_v2 = b"PK-release-1" * 1000, b"PK-release-2" * 1000
    Loopback.files = {"/v1/bootstrap.zip": code_v1, "/v2/bootstrap.zip": code_v2}
    sha1, sha2 = hashlib.sha256(code_v1).hexdigest(), hashlib.sha256(code_v2).hexdigest()

    module = types.ModuleType("index")
    exec(compile(copier_source(template_path), "index.py", "exec"), module.__dict__)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="stack-code", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})

    def event(kind, url, sha, physical=None):
        e = {
            "RequestType": kind, "ResponseURL": f"{base}/response", "StackId": "stack",
            "RequestId": f"r{len(Loopback.answers)}", "LogicalResourceId": "CodeCopy",
            "ResourceProperties": {"Bucket": "stack-code", "Url": url, "Sha256": sha},
        }
        if physical is not None:
            e["PhysicalResourceId"] = physical
        return e

    class Context:
        """Lambda's context: the time left before the function is stopped."""

        def __init__(self, ms):
            self.ms = ms

        def get_remaining_time_in_millis(self):
            return self.ms

    def run(e, context=None):
        module.handler(e, context or Context(120_000))
        return Loopback.answers[-1]

    def keys():
        return sorted(o["Key"] for o in s3.list_objects_v2(Bucket="stack-code").get("Contents", []))

    results = []

    def case(name, ok, why=""):
        results.append({"case": name, "ok": bool(ok), "why": why})

    a = run(event("Create", f"{base}/v1/bootstrap.zip", sha1))
    key1 = f"bootstrap-{sha1}.zip"
    body = s3.get_object(Bucket="stack-code", Key=key1)["Body"].read() if key1 in keys() else None
    case("create copies the code, checked", a["Status"] == "SUCCESS" and a["Data"] == {"Key": key1}
         and a["PhysicalResourceId"] == key1 and body == code_v1, json.dumps(a))

    a = run(event("Update", f"{base}/v2/bootstrap.zip", sha2, key1))
    key2 = f"bootstrap-{sha2}.zip"
    case("an update to a new release is a new key", a["Status"] == "SUCCESS"
         and a["PhysicalResourceId"] == key2 and keys() == sorted([key1, key2]), json.dumps(a))
    a = run(event("Delete", f"{base}/v1/bootstrap.zip", sha1, key1))
    case("the old key's delete removes the old copy only", a["Status"] == "SUCCESS" and keys() == [key2],
         json.dumps(a))

    other = hashlib.sha256(b"another release").hexdigest()
    a = run(event("Create", f"{base}/v1/bootstrap.zip", other))
    case("content of another hash is refused and not stored", a["Status"] == "FAILED"
         and f"SHA-256 {sha1}" in a["Reason"] and keys() == [key2], json.dumps(a))
    a = run(event("Delete", f"{base}/v1/bootstrap.zip", other, a["PhysicalResourceId"]))
    case("the failed create's delete succeeds and removes nothing", a["Status"] == "SUCCESS"
         and keys() == [key2], json.dumps(a))

    a = run(event("Create", f"{base}/missing.zip", sha1))
    case("a URL that answers 404 fails with the status", a["Status"] == "FAILED"
         and a["Reason"] == "CodeUrl answered HTTP 404", json.dumps(a))
    a = run(event("Create", "file:///etc/passwd", sha1))
    case("a URL that is not https is refused", a["Status"] == "FAILED"
         and a["Reason"] == "CodeUrl must be an https URL", json.dumps(a))
    a = run(event("Create", "http://example.com/bootstrap.zip", sha1))
    case("plain http is refused beyond the loopback", a["Status"] == "FAILED"
         and a["Reason"] == "CodeUrl must be an https URL", json.dumps(a))

    # An AWS error (here, a bucket that does not exist): its type, never its message.
    e = event("Create", f"{base}/v1/bootstrap.zip", sha1)
    e["ResourceProperties"]["Bucket"] = "no-such-bucket-s3cr3t"
    a = run(e)
    case("an AWS error is answered by its type, not its message", a["Status"] == "FAILED"
         and "s3cr3t" not in a["Reason"] and a["Reason"].endswith("see the function's log")
         and a["PhysicalResourceId"] == "none", json.dumps(a))

    # A rollback or a retry asks again for a copy that is there: kept, not fetched (the
    # release's URL may be gone by then).
    a = run(event("Update", f"{base}/gone.zip", sha2, key2))
    case("a copy already there is kept without fetching", a["Status"] == "SUCCESS"
         and a["PhysicalResourceId"] == key2 and keys() == [key2], json.dumps(a))
    a = run(event("Create", f"{base}/to-http", sha1))
    case("a redirect to plain http is refused", a["Status"] == "FAILED"
         and a["Reason"] == "CodeUrl redirects to a URL that is not https", json.dumps(a))
    a = run(event("Create", "", ""))
    case("no URL (the repository's template, no release) is said", a["Status"] == "FAILED"
         and a["Reason"].startswith("no code to copy"), json.dumps(a))
    a = run(event("Create", f"{base}/v1/bootstrap.zip", ""))
    case("a URL without its hash is refused", a["Status"] == "FAILED"
         and a["Reason"].startswith("CodeSha256 is empty"), json.dumps(a))
    started = time.monotonic()
    a = run(event("Create", f"{base}/slow.zip", sha1), Context(17_000))
    took = time.monotonic() - started
    case("a slow URL is answered before the function's own timeout", a["Status"] == "FAILED"
         and a["Reason"] == "CodeUrl did not send the code in time" and took < 5, f"{took:.1f}s {json.dumps(a)}")

    a = run(event("Delete", f"{base}/v2/bootstrap.zip", sha2, key2))
    case("the last delete empties the bucket", a["Status"] == "SUCCESS" and keys() == [], json.dumps(a))

    for r in results:
        print(json.dumps(r))
    web.shutdown()
    moto.stop()
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
