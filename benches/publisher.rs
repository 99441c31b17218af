//! A loopback stand-in for the publisher's agent layers (`GetLayerVersion` only), for
//! the cold start with its one resolution: Python 11-13 and Java 11-12, each listing its
//! runtimes; any other version refused as Lambda refuses another account's version that
//! no policy shares (403 AccessDeniedException). One thread per connection, each
//! answered and closed.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Publisher {
    pub url: String,
    calls: Arc<AtomicUsize>,
}

impl Publisher {
    pub fn start() -> std::io::Result<Publisher> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counted = counted.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    // The headers, to the blank line (a GET has no body).
                    let mut header = String::new();
                    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                        header.clear();
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                    let path = line.split_whitespace().nth(1).unwrap_or_default();
                    let (status, body) = answer(path);
                    let response = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        if status.starts_with("403") {
                            "x-amzn-ErrorType: AccessDeniedException\r\n"
                        } else {
                            ""
                        },
                        body.len()
                    );
                    let _ = (&stream).write_all(response.as_bytes());
                });
            }
        });
        Ok(Publisher { url, calls })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

/// `/2018-10-31/layers/<layer ARN, escaped>/versions/<n>`.
fn answer(path: &str) -> (&'static str, String) {
    let layer = path.split('/').nth(3).unwrap_or_default();
    let version: u32 = path.rsplit('/').next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let runtimes: &[&str] = match (layer.contains("Python"), version) {
        (true, 11 | 12) => &["python3.8", "python3.9"],
        (true, 13) => &[
            "python3.8",
            "python3.9",
            "python3.10",
            "python3.11",
            "python3.12",
            "python3.13",
        ],
        (false, 11 | 12) => &["java8.al2", "java11", "java17", "java21"],
        _ => {
            let message = "User: x is not authorized to perform: lambda:GetLayerVersion because no \
                           resource-based policy allows the lambda:GetLayerVersion action";
            return (
                "403 Forbidden",
                format!(r#"{{"Type":"User","Message":"{message}"}}"#),
            );
        }
    };
    let listed: Vec<String> = runtimes.iter().map(|r| format!("\"{r}\"")).collect();
    (
        "200 OK",
        format!(
            r#"{{"Version":{version},"CompatibleRuntimes":[{}]}}"#,
            listed.join(",")
        ),
    )
}
