//! The HTTP/1.1 subset the Lambda runtime clients use (RFC 9112): request line, headers,
//! a body by `Content-Length` or `Transfer-Encoding: chunked`, and persistent connections.

use super::*;

pub struct Request {
    pub method: String,
    pub target: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
    /// When the last byte of the body had been read.
    pub received_at: Instant,
}

impl Request {
    /// The first header of that name (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request that cannot be served; the connection is closed after the answer.
#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub reason: String,
}

fn refuse(status: u16, reason: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason: reason.into(),
    }
}

impl From<io::Error> for Refusal {
    fn from(e: io::Error) -> Self {
        refuse(400, format!("reading the request: {e}"))
    }
}

/// Reads one line (without its CRLF or LF), counting against `budget`.
fn line(reader: &mut impl BufRead, budget: &mut usize) -> Result<Option<String>, Refusal> {
    let mut buf = Vec::new();
    let n = reader.take(*budget as u64 + 1).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if n > *budget || buf.last() != Some(&b'\n') {
        return Err(refuse(431, "the request head is too large or truncated"));
    }
    *budget -= n;
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| refuse(400, "the request head is not UTF-8"))
}

/// The next request on the connection, or `None` when the client closed it cleanly.
pub fn read_request(reader: &mut impl BufRead, writer: &mut impl Write) -> Result<Option<Request>, Refusal> {
    let mut budget = MAX_HEAD;
    // RFC 9112 §2.2: ignore empty lines before a request line.
    let request_line = loop {
        match line(reader, &mut budget)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(refuse(400, "malformed request line"));
    };
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(refuse(505, "only HTTP/1.x is served"));
    }
    let mut headers = Vec::new();
    loop {
        let Some(l) = line(reader, &mut budget)? else {
            return Err(refuse(400, "the connection closed inside the request head"));
        };
        if l.is_empty() {
            break;
        }
        if l.starts_with([' ', '\t']) {
            return Err(refuse(400, "obsolete header folding"));
        }
        let Some((name, value)) = l.split_once(':') else {
            return Err(refuse(400, "a header line without a colon"));
        };
        if name.is_empty() || name.ends_with([' ', '\t']) {
            return Err(refuse(400, "whitespace before a header's colon"));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body: Vec::new(),
        keep_alive: false,
        received_at: Instant::now(),
    };
    let connection = request
        .header("connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let has_token = |token: &str| connection.split(',').any(|t| t.trim() == token);
    request.keep_alive = if version == "HTTP/1.1" {
        !has_token("close")
    } else {
        has_token("keep-alive")
    };
    if request
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    request.body = body(reader, &mut request)?;
    request.received_at = Instant::now();
    Ok(Some(request))
}

fn body(reader: &mut impl BufRead, request: &mut Request) -> Result<Vec<u8>, Refusal> {
    if let Some(te) = request.header("transfer-encoding") {
        let last = te.rsplit(',').next().unwrap_or_default().trim();
        if !last.eq_ignore_ascii_case("chunked") {
            return Err(refuse(400, "a transfer coding other than chunked ends the body"));
        }
        // RFC 9112 §6.1: with both, the length is ignored and the connection closed after.
        if request.header("content-length").is_some() {
            request.keep_alive = false;
        }
        return chunked(reader);
    }
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    let Some(first) = lengths.first() else {
        return Ok(Vec::new());
    };
    if lengths.iter().any(|l| l != first) {
        return Err(refuse(400, "conflicting Content-Length values"));
    }
    let length: usize = first
        .parse()
        .map_err(|_| refuse(400, "Content-Length is not a number"))?;
    if length > MAX_BODY {
        return Err(refuse(413, "the body is over 6 MB"));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(body)
}

fn chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, Refusal> {
    let mut body = Vec::new();
    let mut budget = MAX_HEAD;
    loop {
        let Some(size_line) = line(reader, &mut budget)? else {
            return Err(refuse(400, "the connection closed inside a chunked body"));
        };
        let hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| refuse(400, "a malformed chunk size"))?;
        if size == 0 {
            break;
        }
        if body.len() + size > MAX_BODY {
            return Err(refuse(413, "the body is over 6 MB"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(refuse(400, "a chunk not followed by CRLF"));
        }
    }
    // Trailer fields (the streaming error trailers, for example), up to an empty line.
    loop {
        match line(reader, &mut budget)? {
            Some(l) if l.is_empty() => return Ok(body),
            Some(_) => continue,
            None => return Err(refuse(400, "the connection closed inside the trailers")),
        }
    }
}

pub fn write_response(
    writer: &mut impl Write,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
    keep_alive: bool,
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        out.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    if !keep_alive {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    // One write: the head and body leave in as few segments as possible.
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    writer.write_all(&bytes)?;
    writer.flush()
}
