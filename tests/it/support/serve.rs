//! A running `modsnap serve` (on a free loopback port, stopped on drop),
//! and a raw HTTP/1.1 client that sends exactly the bytes a test writes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use super::cmd::TestContext;

/// A `modsnap serve` process.
pub struct Served {
    pub child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    /// The printed GOPROXY value.
    pub url: String,
    /// Every stdout line printed at start-up.
    pub stdout: Vec<String>,
    /// Where stderr (the access log) goes.
    pub stderr_file: PathBuf,
    _ctx: TestContext,
    _dir: tempfile::TempDir,
}

impl Served {
    /// Starts `modsnap serve SOURCES --listen 127.0.0.1:0 EXTRA…` and
    /// waits for its set-up lines.
    pub fn start(sources: &[&Path], extra: &[&str]) -> Served {
        Self::try_start(sources, extra).unwrap_or_else(|(code, err)| {
            panic!("modsnap serve exited with {code}: {err}");
        })
    }

    /// [`Served::start`], or the exit code and stderr when it stops first.
    pub fn try_start(sources: &[&Path], extra: &[&str]) -> Result<Served, (i32, String)> {
        let ctx = TestContext::new();
        let dir = tempfile::tempdir().unwrap();
        let stderr_file = dir.path().join("stderr");
        let mut cmd = ctx.modsnap(&["serve"]);
        cmd.args(sources)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_file).unwrap());
        let mut child = cmd.spawn().expect("spawn modsnap serve");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let json = extra.contains(&"--json");
        let mut stdout = Vec::new();
        let mut url = None;
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                let status = child.wait().unwrap();
                let err = std::fs::read_to_string(&stderr_file).unwrap_or_default();
                return Err((status.code().unwrap_or(-1), err));
            }
            let line = line.trim_end().to_string();
            stdout.push(line.clone());
            if json {
                if line == "}" {
                    let doc: serde_json::Value =
                        serde_json::from_str(&stdout.join("\n")).expect("serve --json");
                    url = Some(doc["url"].as_str().unwrap().to_string());
                    break;
                }
                continue;
            }
            if let Some(u) = line.strip_prefix("GOPROXY=") {
                url = Some(u.to_string());
            }
            if line.starts_with("GONOPROXY=") {
                break;
            }
        }
        let url = url.unwrap();
        let addr = url
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .to_string();
        // Keep reading stdout so the child never blocks on it.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        Ok(Served {
            child,
            addr,
            url,
            stdout,
            stderr_file,
            _ctx: ctx,
            _dir: dir,
        })
    }

    /// The stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_file).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for the exit code.
    pub fn stop(&mut self) -> i32 {
        self.signal("TERM");
        self.child.wait().unwrap().code().unwrap_or(-1)
    }

    /// Sends a signal.
    pub fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// One request over a fresh connection.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        raw(&self.addr, req.as_bytes())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` as is and reads the response to the connection's end
/// (the request should say `Connection: close`).
pub fn raw(addr: &str, request: &[u8]) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request).unwrap();
    let mut data = Vec::new();
    let _ = s.read_to_end(&mut data);
    parse(&data)
}

/// Parses one response (the head and a body of Content-Length bytes, or
/// the rest).
pub fn parse(data: &[u8]) -> Response {
    let end = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(data)));
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = data[end + 4..].to_vec();
    if let Some(len) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        body.truncate(len);
    }
    Response {
        status,
        headers,
        body,
    }
}
