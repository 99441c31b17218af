//! The Lambda's HTTPS client over real TLS: it trusts exactly the CA bundle the runtime
//! names (`SSL_CERT_FILE`), parsed once for the connector it uses. A loopback HTTPS server
//! (Python's `ssl`, with a certificate `openssl` signs for 127.0.0.1 by a CA of the test's
//! own) answers `GetLayerVersion`: with that CA in the bundle the call succeeds; with a
//! bundle of another CA it fails as a TLS failure; with a bundle rustls cannot read the
//! client still starts (on the default roots) and the call fails, nothing panics.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use lambda_profiling_switch::aws::failure::{AwsFailure, FailureKind};
use support::*;

/// Runs `openssl` with `args` in `dir`; `false` when it is missing or fails.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    let run = Command::new("openssl").args(args).current_dir(dir).output();
    run.is_ok_and(|o| o.status.success())
}

/// A CA and a server certificate for 127.0.0.1 it signs, in `dir`; `false` without openssl.
fn certificates(dir: &Path, ca: &str) -> bool {
    let subject = format!("/CN={ca}");
    let ext = "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n";
    std::fs::write(dir.join("server.ext"), ext).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            &subject,
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.pem"),
        ],
    )
}

fn server_certificate(dir: &Path, ca: &str) -> bool {
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    ) && openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    )
}

const SERVER: &str = r#"
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"Version": 13, "CompatibleRuntimes": ["python3.12"],
            "LayerVersionArn": "arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> (Server, u16) {
    let mut child = Command::new("python3")
        .args(["-c", SERVER])
        .arg(dir.join("server.pem"))
        .arg(dir.join("server.key"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().parse().expect("the server's port");
    (Server(child), port)
}

/// `GetLayerVersion` through the Lambda's own client, trusting `bundle`.
async fn ask(port: u16, bundle: &Path) -> Result<Option<i64>, AwsFailure> {
    // SAFETY: this test binary has one test, which sets its variables before any client
    // reads them and runs one client at a time.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", bundle);
        std::env::set_var("AWS_ENDPOINT_URL_LAMBDA", format!("https://127.0.0.1:{port}"));
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_MAX_ATTEMPTS", "1");
    }
    let lambda = lambda_profiling_switch::lambda_client_from_env();
    let got = lambda
        .get_layer_version_by_arn()
        .arn("arn:aws:lambda:us-east-1:157417159150:layer:AWSCodeGuruProfilerPythonAgentLambdaLayer:13")
        .send()
        .await;
    got.map(|v| Some(v.version())).map_err(|e| AwsFailure::of(&e))
}

#[tokio::test]
async fn the_lambdas_client_trusts_exactly_the_runtimes_bundle() {
    lambda_profiling_switch::install_crypto_provider();
    let dir = std::env::temp_dir().join(unique("tls-trust"));
    std::fs::create_dir_all(&dir).unwrap();
    if !(certificates(&dir, "ours") && certificates(&dir, "theirs") && server_certificate(&dir, "ours")) {
        let line = "tls_trust: openssl could not make the test's certificates";
        if std::env::var("LAMBDA_PROFILING_REQUIRE_TOOLS").as_deref() == Ok("1") {
            panic!("LAMBDA_PROFILING_REQUIRE_TOOLS=1 but {line}");
        }
        eprintln!("SKIPPED: {line}");
        toolbox::record_skip(line);
        return;
    }
    let (_server, port) = serve(&dir);

    assert_eq!(
        ask(port, &dir.join("ours.pem")).await,
        Ok(Some(13)),
        "our CA in the bundle"
    );

    let other = ask(port, &dir.join("theirs.pem")).await.unwrap_err();
    assert!(
        matches!(other.kind, FailureKind::Connection | FailureKind::Request),
        "a server our bundle does not vouch for is refused: {other:?}"
    );

    std::fs::write(
        dir.join("garbled.pem"),
        "-----BEGIN CERTIFICATE-----\nMIIBbad\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let garbled = ask(port, &dir.join("garbled.pem")).await.unwrap_err();
    assert!(
        matches!(garbled.kind, FailureKind::Connection | FailureKind::Request),
        "an unreadable bundle: the default roots, which do not know our CA: {garbled:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
