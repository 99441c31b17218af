//! The Runtime API emulator itself, spoken to over raw sockets: the wire details a real
//! runtime client relies on (headers, keep-alive, chunked bodies), and how an invoker
//! learns of errors, init errors, a dead process and a timeout.

#[path = "support/runtime_api/mod.rs"]
mod runtime_api;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use runtime_api::*;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// A raw HTTP/1.1 client on one connection.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    fn connect(api: &RuntimeApi) -> Client {
        let stream = TcpStream::connect(api.address()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> Response {
        self.writer.write_all(bytes).unwrap();
        self.read()
    }

    fn request(&mut self, method: &str, path: &str, body: &[u8]) -> Response {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes)
    }

    fn read(&mut self) -> Response {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line.split(' ').nth(1).expect("a status line").parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let mut l = String::new();
            self.reader.read_line(&mut l).unwrap();
            let l = l.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap();
            headers.push((k.to_owned(), v.trim().to_owned()));
        }
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        let length: usize = response.header("content-length").unwrap().parse().unwrap();
        response.body = vec![0; length];
        self.reader.read_exact(&mut response.body).unwrap();
        response
    }
}

fn api() -> RuntimeApi {
    RuntimeApi::start(FunctionConfig::default()).unwrap()
}

fn alive() -> Result<(), String> {
    Ok(())
}

#[test]
fn next_delivers_the_event_with_lambdas_headers_and_the_response_reaches_the_invoker() {
    let api = api();
    let ticket = api.enqueue(Invocation::new(r#"{"a":1}"#, Duration::from_secs(30)).qualified("live"));
    let mut c = Client::connect(&api);
    let next = c.request("GET", NEXT, b"");
    assert_eq!(next.status, 200);
    assert_eq!(next.body, br#"{"a":1}"#);
    let id = next.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_owned();
    assert_eq!(id, ticket.request_id);
    assert_eq!(
        next.header("Lambda-Runtime-Invoked-Function-Arn"),
        Some("arn:aws:lambda:us-east-1:123456789012:function:lambda-profiling:live")
    );
    assert!(
        next.header("Lambda-Runtime-Trace-Id")
            .unwrap()
            .starts_with("Root=1-")
    );
    let deadline: u128 = next
        .header("Lambda-Runtime-Deadline-Ms")
        .unwrap()
        .parse()
        .unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
    assert!(
        deadline > now + 25_000 && deadline <= now + 30_000,
        "{deadline} vs {now}"
    );

    // The same connection is kept alive for the answer.
    let posted = c.request(
        "POST",
        &format!("/2018-06-01/runtime/invocation/{id}/response"),
        b"\"done\"",
    );
    assert_eq!(posted.status, 202);
    let answer = api.wait(&ticket, alive).unwrap();
    assert_eq!(answer.reply, Reply::Response(b"\"done\"".to_vec()));
    assert!(api.violations().is_empty());
    assert_eq!(api.polls(), 1);
}

#[test]
fn a_chunked_error_body_with_trailers_is_read_and_the_connection_stays_usable() {
    let api = api();
    let ticket = api.enqueue(Invocation::new("{}", Duration::from_secs(30)));
    let mut c = Client::connect(&api);
    let id = c
        .request("GET", NEXT, b"")
        .header("Lambda-Runtime-Aws-Request-Id")
        .unwrap()
        .to_owned();
    let body = r#"{"errorType":"UnknownEvent","errorMessage":"neither \"kind\"\nof event"}"#;
    let (a, b) = body.split_at(20);
    let chunked = format!(
        "POST /2018-06-01/runtime/invocation/{id}/error HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
         Lambda-Runtime-Function-Error-Type: Other\r\n\r\n{:x};ext=1\r\n{a}\r\n{:X}\r\n{b}\r\n0\r\nX-Trailer: t\r\n\r\n",
        a.len(),
        b.len()
    );
    assert_eq!(c.raw(chunked.as_bytes()).status, 202);
    let answer = api.wait(&ticket, alive).unwrap();
    assert_eq!(
        answer.reply,
        Reply::Error {
            error_type: "UnknownEvent".into(),
            message: "neither \"kind\"\nof event".into()
        }
    );
    // Still on the same connection: an unknown path is a 404, not a hang.
    assert_eq!(c.request("GET", "/2018-06-01/nothing", b"").status, 404);
}

#[test]
fn an_error_without_a_json_body_takes_its_type_from_the_header() {
    let api = api();
    let ticket = api.enqueue(Invocation::new("{}", Duration::from_secs(30)));
    let mut c = Client::connect(&api);
    let id = c
        .request("GET", NEXT, b"")
        .header("Lambda-Runtime-Aws-Request-Id")
        .unwrap()
        .to_owned();
    let request = format!(
        "POST /2018-06-01/runtime/invocation/{id}/error HTTP/1.1\r\nContent-Length: 4\r\n\
         Lambda-Runtime-Function-Error-Type: Runtime.Crash\r\n\r\noops"
    );
    assert_eq!(c.raw(request.as_bytes()).status, 202);
    assert_eq!(
        api.wait(&ticket, alive).unwrap().reply,
        Reply::Error {
            error_type: "Runtime.Crash".into(),
            message: "oops".into()
        }
    );
}

#[test]
fn answers_for_unknown_or_already_answered_ids_are_refused_and_recorded() {
    let api = api();
    let ticket = api.enqueue(Invocation::new("{}", Duration::from_secs(30)));
    let mut c = Client::connect(&api);
    let id = c
        .request("GET", NEXT, b"")
        .header("Lambda-Runtime-Aws-Request-Id")
        .unwrap()
        .to_owned();
    let path = format!("/2018-06-01/runtime/invocation/{id}/response");
    assert_eq!(c.request("POST", &path, b"1").status, 202);
    assert_eq!(c.request("POST", &path, b"2").status, 400, "answered twice");
    let unknown = c.request("POST", "/2018-06-01/runtime/invocation/nope/response", b"3");
    assert_eq!(unknown.status, 400);
    assert!(String::from_utf8_lossy(&unknown.body).contains("InvalidRequestID"));
    assert_eq!(
        api.wait(&ticket, alive).unwrap().reply,
        Reply::Response(b"1".to_vec())
    );
    assert_eq!(api.violations().len(), 2, "{:?}", api.violations());
}

#[test]
fn an_init_error_ends_the_wait_with_its_reason() {
    let api = api();
    let ticket = api.enqueue(Invocation::new("{}", Duration::from_secs(30)));
    let mut c = Client::connect(&api);
    let posted = c.request(
        "POST",
        "/2018-06-01/runtime/init/error",
        br#"{"errorType":"Runtime.InitError","errorMessage":"no config"}"#,
    );
    assert_eq!(posted.status, 202);
    assert_eq!(
        api.wait(&ticket, alive).unwrap_err(),
        InvokeError::InitError {
            error_type: "Runtime.InitError".into(),
            message: "no config".into()
        }
    );
}

#[test]
fn a_connection_close_request_is_answered_then_closed_and_garbage_is_refused() {
    let api = api();
    let mut c = Client::connect(&api);
    let r = c.raw(b"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!((r.status, r.header("connection")), (404, Some("close")));
    let mut rest = Vec::new();
    c.reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the server closed the connection");

    let mut c = Client::connect(&api);
    assert_eq!(c.raw(b"NONSENSE\r\n\r\n").status, 400);
    let mut c = Client::connect(&api);
    let conflicting = b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab";
    assert_eq!(c.raw(conflicting).status, 400);
    let mut c = Client::connect(&api);
    assert_eq!(c.raw(b"GET /x HTTP/2\r\n\r\n").status, 505);
}

#[test]
fn a_process_that_dies_ends_the_wait_at_once() {
    let api = api();
    let mut f = api.spawn(Path::new("/bin/sh"), &[("IGNORED", "1")]).unwrap();
    let started = Instant::now();
    // `/bin/sh` with no script reads its closed stdin and exits 0 without polling.
    let err = f.invoke("{}", Duration::from_secs(60)).unwrap_err();
    assert!(matches!(err, InvokeError::Exited(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(f.stop().exited_by_itself.is_some());
}

#[test]
fn a_silent_function_times_out_and_is_killed_with_its_peak_memory_read() {
    use std::os::unix::fs::PermissionsExt;
    let script = std::env::temp_dir().join(format!("silent-bootstrap-{}", std::process::id()));
    std::fs::write(&script, "#!/bin/sh\necho started\nexec sleep 60\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let api = api();
    let mut f = api.spawn(&script, &[("X", "1")]).unwrap();
    let started = Instant::now();
    let err = f.invoke("{}", Duration::from_millis(10)).unwrap_err();
    assert!(matches!(err, InvokeError::TimedOut(_)), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "the grace period is kept"
    );
    assert!(f.is_running());
    let stopped = f.stop();
    std::fs::remove_file(&script).unwrap();
    assert_eq!(stopped.exited_by_itself, None, "it was killed");
    assert!(stopped.peak_rss_kib.is_some_and(|k| k > 0), "{stopped:?}");
    assert_eq!(stopped.stdout, ["started"]);
}

#[test]
fn the_function_gets_lambdas_environment_and_nothing_of_ours() {
    use std::os::unix::fs::PermissionsExt;
    let script = std::env::temp_dir().join(format!("env-bootstrap-{}", std::process::id()));
    std::fs::write(&script, "#!/bin/sh\nenv\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let api = api();
    let mut f = api
        .spawn(&script, &[("AWS_REGION", "eu-west-1"), ("EXTRA", "1")])
        .unwrap();
    let _ = f.invoke("{}", Duration::from_secs(10)); // it exits without polling
    let stopped = f.stop();
    std::fs::remove_file(&script).unwrap();
    let env = stopped.stdout;
    let has = |line: &str| env.iter().any(|l| l == line);
    assert!(
        has(&format!("AWS_LAMBDA_RUNTIME_API={}", api.address())),
        "{env:?}"
    );
    assert!(has("AWS_LAMBDA_FUNCTION_NAME=lambda-profiling") && has("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256"));
    assert!(
        has("AWS_REGION=eu-west-1") && has("EXTRA=1"),
        "the caller's values win: {env:?}"
    );
    assert!(
        !env.iter()
            .any(|l| l.starts_with("CARGO") || l.starts_with("HOME=")),
        "this process's environment leaked: {env:?}"
    );
}

#[test]
fn a_poller_that_went_away_does_not_swallow_the_next_event() {
    let api = api();
    let mut gone = Client::connect(&api);
    gone.writer
        .write_all(format!("GET {NEXT} HTTP/1.1\r\n\r\n").as_bytes())
        .unwrap();
    while api.polls() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(gone); // as when a function's process is killed while it waits for an event
    std::thread::sleep(Duration::from_millis(50));
    let ticket = api.enqueue(Invocation::new("{}", Duration::from_secs(30)));
    let mut c = Client::connect(&api);
    let next = c.request("GET", NEXT, b"");
    assert_eq!(
        next.header("Lambda-Runtime-Aws-Request-Id"),
        Some(ticket.request_id.as_str())
    );
}

#[test]
fn a_stop_does_not_hang_on_output_a_grandchild_holds_open() {
    use std::os::unix::fs::PermissionsExt;
    let script = std::env::temp_dir().join(format!("forking-bootstrap-{}", std::process::id()));
    // The background `sleep` inherits stdout and outlives the killed process.
    std::fs::write(&script, "#!/bin/sh\necho hi\nsleep 5 &\nexec sleep 60\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let api = api();
    let f = api.spawn(&script, &[("X", "1")]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let stopped = f.stop();
    std::fs::remove_file(&script).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(stopped.stdout, ["hi"]);
}
