//! The server side: one thread per connection, and the Runtime API's routes.

use super::*;

pub(super) fn accept(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let number = {
            let mut state = shared.lock();
            if state.stopping {
                return;
            }
            let number = state.next_connection;
            state.next_connection += 1;
            if let Ok(clone) = stream.try_clone() {
                state.connections.insert(number, clone);
            }
            number
        };
        let serving = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("runtime-api-conn".into())
            .spawn(move || {
                serve(&stream, &serving);
                // Closes it for the client too: the clone kept for a stop would hold it open.
                let _ = stream.shutdown(Shutdown::Both);
                serving.lock().connections.remove(&number);
            });
        if spawned.is_err() {
            shared.lock().connections.remove(&number); // out of threads: the connection closes
        }
    }
}

/// Serves one connection until the client closes it, asks to, or sends garbage.
fn serve(stream: &TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let (Ok(read_half), Ok(mut writer)) = (stream.try_clone(), stream.try_clone()) else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    loop {
        let request = match http::read_request(&mut reader, &mut writer) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(http::Refusal { status, reason }) => {
                let body = error_body("InvalidRequest", &reason);
                let _ = http::write_response(&mut writer, status, &[], &body, false);
                return;
            }
        };
        let Some((status, headers, body)) = route(shared, &request, stream) else {
            return; // stopping, or the client left while it waited for an event
        };
        let keep_alive = request.keep_alive;
        if http::write_response(&mut writer, status, &headers, &body, keep_alive).is_err() || !keep_alive {
            return;
        }
    }
}

type Routed = (u16, Vec<(&'static str, String)>, Vec<u8>);

fn route(shared: &Shared, request: &http::Request, connection: &TcpStream) -> Option<Routed> {
    let path = request.target.split('?').next().unwrap_or_default();
    let Some(rest) = path.strip_prefix(RUNTIME) else {
        return Some(not_found(path));
    };
    let accepted = || (202, Vec::new(), br#"{"status":"OK"}"#.to_vec());
    match (request.method.as_str(), rest) {
        ("GET", "/invocation/next") => next_event(shared, connection),
        ("POST", "/init/error") => {
            let (error_type, message) = error_of(request);
            shared.lock().init_error = Some((error_type, message));
            shared.changed.notify_all();
            Some(accepted())
        }
        ("POST", rest) => {
            let Some((id, kind)) = rest.strip_prefix("/invocation/").and_then(|r| r.rsplit_once('/')) else {
                return Some(not_found(path));
            };
            let reply = match kind {
                "response" => Reply::Response(request.body.clone()),
                "error" => {
                    let (error_type, message) = error_of(request);
                    Reply::Error { error_type, message }
                }
                _ => return Some(not_found(path)),
            };
            let mut state = shared.lock();
            if !state.in_flight.remove(id) {
                state.violations.push(format!(
                    "{kind} for request id {id:?}, which is not awaiting an answer"
                ));
                let body = error_body("InvalidRequestID", "Invalid request ID");
                return Some((400, Vec::new(), body));
            }
            let answer = Answer {
                reply,
                received_at: request.received_at,
            };
            state.answers.insert(id.to_owned(), answer);
            drop(state);
            shared.changed.notify_all();
            Some(accepted())
        }
        _ => Some(not_found(path)),
    }
}

/// `GET /invocation/next`: blocks until an event is queued (or the emulator stops). A
/// poller whose process has died (its socket closed) never takes an event, so that a
/// killed function cannot swallow the next one's.
fn next_event(shared: &Shared, connection: &TcpStream) -> Option<Routed> {
    let mut state = shared.lock();
    state.polls += 1;
    state.first_poll_at.get_or_insert_with(Instant::now);
    let event = loop {
        if state.stopping || peer_closed(connection) {
            return None;
        }
        if let Some(event) = state.queue.pop_front() {
            break event;
        }
        state = shared
            .changed
            .wait_timeout(state, PEER_CHECK)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    };
    state.in_flight.insert(event.request_id.clone());
    drop(state);
    let headers = vec![
        ("Content-Type", "application/json".to_owned()),
        ("Lambda-Runtime-Aws-Request-Id", event.request_id),
        ("Lambda-Runtime-Deadline-Ms", event.deadline_ms.to_string()),
        ("Lambda-Runtime-Invoked-Function-Arn", event.invoked_arn),
        ("Lambda-Runtime-Trace-Id", event.trace_id),
    ];
    Some((200, headers, event.body))
}

/// Whether the client has closed its end (a read would return end-of-file).
fn peer_closed(connection: &TcpStream) -> bool {
    if connection.set_nonblocking(true).is_err() {
        return false;
    }
    let closed = matches!(connection.peek(&mut [0; 1]), Ok(0));
    let _ = connection.set_nonblocking(false);
    closed
}

/// The `errorType` and `errorMessage` of an error body, else its header and raw text.
fn error_of(request: &http::Request) -> (String, String) {
    let parsed: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let field = |name: &str| parsed.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let error_type = field("errorType")
        .or_else(|| {
            request
                .header("lambda-runtime-function-error-type")
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let message =
        field("errorMessage").unwrap_or_else(|| String::from_utf8_lossy(&request.body).into_owned());
    (error_type, message)
}

fn error_body(error_type: &str, message: &str) -> Vec<u8> {
    serde_json::json!({"errorMessage": message, "errorType": error_type})
        .to_string()
        .into_bytes()
}

fn not_found(path: &str) -> Routed {
    let message = format!("no such Runtime API path: {path}");
    (404, Vec::new(), error_body("NotFound", &message))
}
