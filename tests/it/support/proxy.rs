//! A fixture GOPROXY built at test time from module sources in
//! `testdata/modules/*.txtar`, served over loopback HTTP with a request log
//! and fault injection.
//!
//! Zips are written with the plain `zip` crate, not with modsnap's code, so
//! the fixtures cannot merely agree with modsnap; path escaping is done by a
//! small independent function here for the same reason.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tempfile::TempDir;

use super::conformance::Txtar;

/// The name of the test checksum database the fixture proxy serves.
pub const TEST_SUMDB: &str = "modsnap.test/sumdb";

/// The repository's testdata directory.
pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// A module version's source: what a proxy serves for it.
#[derive(Debug, Clone)]
pub struct ModuleSource {
    /// Module path.
    pub path: String,
    /// Canonical version.
    pub version: String,
    /// `.info` Time (RFC 3339).
    pub time: String,
    /// Files relative to the module root, in zip order.
    pub files: Vec<(String, Vec<u8>)>,
}

impl ModuleSource {
    /// Loads `testdata/modules/<name>.txtar`: header `module=`, `version=`,
    /// optional `time=`; one txtar file per module file.
    pub fn load(name: &str) -> ModuleSource {
        Self::load_in("modules", name)
    }

    /// Loads `testdata/<dir>/<name>.txtar` (`toolchains` holds fixture
    /// toolchain modules, kept apart so that tests over every module are
    /// not about toolchains).
    pub fn load_in(dir: &str, name: &str) -> ModuleSource {
        let file = testdata().join(dir).join(format!("{name}.txtar"));
        let data = std::fs::read(&file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        let ar = Txtar::parse(&data);
        ModuleSource {
            path: ar.header("module").expect("module= header"),
            version: ar.header("version").expect("version= header"),
            time: ar
                .header("time")
                .unwrap_or_else(|| "2024-01-02T03:04:05Z".to_string()),
            files: ar.files,
        }
    }

    /// Every module in `testdata/modules`, sorted by file name.
    pub fn load_all() -> Vec<ModuleSource> {
        Self::load_all_in("modules")
    }

    /// Every module in `testdata/<dir>`, sorted by file name.
    pub fn load_all_in(dir: &str) -> Vec<ModuleSource> {
        let mut names: Vec<String> = std::fs::read_dir(testdata().join(dir))
            .expect("testdata dir")
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.strip_suffix(".txtar").map(str::to_string)
            })
            .collect();
        names.sort();
        names
            .iter()
            .map(|n| ModuleSource::load_in(dir, n))
            .collect()
    }

    /// `path@version`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.path, self.version)
    }

    /// The `.mod` bytes: the module's go.mod, or the go command's synthesized
    /// `module <path>\n` for a module without one.
    pub fn go_mod(&self) -> Vec<u8> {
        self.files
            .iter()
            .find(|(n, _)| n == "go.mod")
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| format!("module {}\n", self.path).into_bytes())
    }

    /// The module zip, deflated, entries in source order under
    /// `path@version/`.
    pub fn zip(&self) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        for (name, content) in &self.files {
            w.start_file(format!("{}/{}", self.id(), name), opts)
                .expect("zip entry");
            w.write_all(content).expect("zip write");
        }
        w.finish().expect("zip finish").into_inner()
    }

    /// The `.info` JSON.
    pub fn info(&self) -> Vec<u8> {
        format!(
            "{{\"Version\":\"{}\",\"Time\":\"{}\"}}",
            self.version, self.time
        )
        .into_bytes()
    }
}

/// Go's case-escaping for proxy URLs and cache paths ("!" + lower case).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A GOPROXY tree on disk (`<escaped path>/@v/{list,<v>.info,.mod,.zip}`).
pub struct ProxyTree {
    /// The tree's root.
    pub dir: TempDir,
    /// The modules the test checksum database has records for.
    modules: Vec<ModuleSource>,
    /// Versions whose record holds only their `/go.mod` line.
    go_mod_only_records: std::sync::Mutex<Vec<(String, String)>>,
}

impl ProxyTree {
    /// A tree holding `modules`.
    pub fn new(modules: &[ModuleSource]) -> ProxyTree {
        let tree = ProxyTree {
            dir: tempfile::tempdir().expect("temp dir"),
            modules: modules.to_vec(),
            go_mod_only_records: Default::default(),
        };
        let mut lists: HashMap<String, Vec<String>> = HashMap::new();
        for m in modules {
            let at_v = tree.at_v(&m.path);
            std::fs::create_dir_all(&at_v).expect("mkdir @v");
            let base = at_v.join(escape(&m.version));
            std::fs::write(base.with_extension_str("info"), m.info()).expect("write info");
            std::fs::write(base.with_extension_str("mod"), m.go_mod()).expect("write mod");
            std::fs::write(base.with_extension_str("zip"), m.zip()).expect("write zip");
            lists
                .entry(m.path.clone())
                .or_default()
                .push(m.version.clone());
        }
        for (path, versions) in lists {
            let mut text = versions.join("\n");
            text.push('\n');
            std::fs::write(tree.at_v(&path).join("list"), text).expect("write list");
        }
        tree.write_sumdb(0);
        tree
    }

    /// Grows the test checksum database by appending records of
    /// `padding` made-up module versions after the fixture modules' (so
    /// far `padding` is the total of them, not an increment): the tree
    /// gets a new signed head, every lookup is served at it, and the tiles
    /// of the new tree are added beside the old ones, as a log that grew.
    /// Above 256 records the tree has level-1 tiles.
    pub fn grow_sumdb(&self, padding: usize) {
        self.write_sumdb(padding);
    }

    /// Writes the test checksum database again with the records of
    /// `versions` (path, version) holding only their `/go.mod` line, as a
    /// database may for a version it has no zip for.
    pub fn sumdb_records_without_zip_lines(&self, versions: &[(String, String)]) {
        self.go_mod_only_records
            .lock()
            .unwrap()
            .extend(versions.iter().cloned());
        self.write_sumdb(0);
    }

    /// The test checksum database's signer (a fixed seed, its own key).
    pub fn sumdb_signer() -> modsnap::sumdb::note::Signer {
        modsnap::sumdb::note::Signer::from_seed(TEST_SUMDB, &[42u8; 32]).expect("signer")
    }

    /// `GOSUMDB` for the test database (its verifier key).
    pub fn gosumdb() -> String {
        Self::sumdb_signer().verifier().encode()
    }

    /// A checksum database for `modules` under `sumdb/<name>/`, as the
    /// Go module proxy's passthrough serves one: `supported`, a lookup per
    /// module version (its zip and go.mod hashes, records in path order,
    /// then `padding` made-up records) signed at the final tree, and every
    /// tile of that tree.
    fn write_sumdb(&self, padding: usize) {
        use modsnap::sumdb::{note, tlog};
        let root = self.dir.path().join("sumdb").join(TEST_SUMDB);
        std::fs::create_dir_all(&root).expect("mkdir sumdb");
        std::fs::write(root.join("supported"), "").expect("write supported");
        let mut mods: Vec<&ModuleSource> = self.modules.iter().collect();
        mods.sort_by(|a, b| (&a.path, &a.version).cmp(&(&b.path, &b.version)));
        let go_mod_only = self.go_mod_only_records.lock().unwrap().clone();
        let records: Vec<Vec<u8>> = mods
            .iter()
            .map(|m| {
                let zip = modsnap::dirhash::hash_zip_file(&self.file(&m.path, &m.version, "zip"))
                    .expect("hash zip");
                let gomod = modsnap::dirhash::hash_go_mod(&m.go_mod());
                let (p, v) = (&m.path, &m.version);
                let gomod_line = format!("{p} {v}/go.mod {gomod}\n");
                if go_mod_only.iter().any(|(op, ov)| op == p && ov == v) {
                    return gomod_line.into_bytes();
                }
                format!("{p} {v} {zip}\n{gomod_line}").into_bytes()
            })
            .chain((0..padding).map(|i| {
                format!(
                    "example.invalid/pad{i} v1.0.0 h1:{i:0>43}=\nexample.invalid/pad{i} v1.0.0/go.mod h1:{i:0>43}=\n"
                )
                .into_bytes()
            }))
            .collect();
        let stored = tlog::stored_hashes(&records);
        let n = records.len() as i64;
        let tree = tlog::tree_of(n, &stored);
        let signed = note::sign(
            &note::Note {
                text: tlog::format_tree(&tree),
                sigs: vec![],
                unverified: vec![],
            },
            &[&Self::sumdb_signer()],
        )
        .expect("sign");
        for (i, (m, text)) in mods.iter().zip(&records).enumerate() {
            let mut body = tlog::format_record(i as i64, text).expect("record");
            body.extend_from_slice(signed.as_bytes());
            let file =
                root.join("lookup")
                    .join(format!("{}@{}", escape(&m.path), escape(&m.version)));
            std::fs::create_dir_all(file.parent().unwrap()).expect("mkdir lookup");
            std::fs::write(file, body).expect("write lookup");
        }
        for t in tlog::new_tiles(tlog::TILE_HEIGHT, 0, n) {
            let file = root.join(t.path());
            std::fs::create_dir_all(file.parent().unwrap()).expect("mkdir tile");
            std::fs::write(file, tlog::tile_data(&t, &stored)).expect("write tile");
        }
    }

    /// `<root>/<escaped path>/@v`.
    pub fn at_v(&self, module: &str) -> PathBuf {
        self.dir.path().join(escape(module)).join("@v")
    }

    /// The stored file for `module@version` with extension `ext`.
    pub fn file(&self, module: &str, version: &str, ext: &str) -> PathBuf {
        self.at_v(module).join(format!("{}.{ext}", escape(version)))
    }
}

trait WithExtensionStr {
    fn with_extension_str(&self, ext: &str) -> PathBuf;
}

impl WithExtensionStr for PathBuf {
    // Path::with_extension would cut versions such as `v1.2.3` at the dot.
    fn with_extension_str(&self, ext: &str) -> PathBuf {
        let mut s = self.as_os_str().to_owned();
        s.push(".");
        s.push(ext);
        PathBuf::from(s)
    }
}

/// A fault the server injects for one URL path.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status and plain-text body, `times` times (then serve
    /// normally); `None` means always.
    Status {
        /// HTTP status code.
        code: u16,
        /// Plain-text body.
        body: String,
        /// How many requests get the fault.
        times: Option<usize>,
        /// Extra response headers, e.g. `("Retry-After", "1")`.
        headers: Vec<(String, String)>,
    },
    /// Close the connection without answering.
    Reset,
    /// Send only the first `n` bytes of the body (with the full length
    /// announced), then close.
    Truncate(usize),
    /// Wait before answering.
    Delay(Duration),
    /// Serve these bytes instead of the file.
    Replace(Vec<u8>),
    /// Answer `302 Found` with this `Location`.
    Redirect(String),
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Request {
    /// The HTTP method.
    pub method: String,
    /// The percent-decoded path.
    pub path: String,
    /// The raw path as sent on the wire.
    pub raw_path: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
}

/// How the server answers at the connection level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connections {
    /// HTTP/1.1 with `Connection: close`: one request per connection.
    #[default]
    Close,
    /// HTTP/1.0 without keep-alive, as Python's `http.server` answers.
    Http10,
    /// HTTP/1.1 keep-alive: requests are read from a connection until the
    /// client closes it.
    KeepAlive,
}

impl Connections {
    fn status_line(self, code: u16, reason: &str) -> String {
        match self {
            Connections::Close => format!("HTTP/1.1 {code} {reason}\r\nConnection: close\r\n"),
            Connections::Http10 => format!("HTTP/1.0 {code} {reason}\r\n"),
            Connections::KeepAlive => format!("HTTP/1.1 {code} {reason}\r\n"),
        }
    }
}

#[derive(Default)]
struct State {
    log: Vec<Request>,
    /// Requests read and not yet being answered, and the most there ever
    /// were at once.
    in_flight: usize,
    max_in_flight: usize,
    /// A wait before every answer.
    delay_all: Option<Duration>,
    faults: HashMap<String, Fault>,
    /// A header (lower-case name, value) every request must carry.
    required: Option<(String, String)>,
}

/// A loopback HTTP server over a directory, answering GOPROXY requests.
pub struct Server {
    addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `root` on 127.0.0.1 (an ephemeral port) until dropped.
    pub fn start(root: &Path) -> Server {
        Server::start_with(root, Connections::Close)
    }

    /// Serves `root`, answering with `connections`.
    pub fn start_with(root: &Path, connections: Connections) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (root, st, sp) = (root.to_owned(), state.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (root, st) = (root.clone(), st.clone());
                std::thread::spawn(move || handle_conn(conn, &root, &st, connections));
            }
        });
        Server {
            addr,
            state,
            stop,
            handle: Some(handle),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request path received so far (percent-decoded), in order.
    pub fn log(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.path).collect()
    }

    /// Every request received so far, with headers.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().map(|s| s.log.clone()).unwrap_or_default()
    }

    /// Forgets the requests received so far.
    pub fn clear_log(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.log.clear();
        }
    }

    /// Answers `401 Unauthorized` (with `WWW-Authenticate`) to every request
    /// that lacks the header `name: value`.
    pub fn require_header(&self, name: &str, value: &str) {
        if let Ok(mut s) = self.state.lock() {
            s.required = Some((name.to_ascii_lowercase(), value.to_string()));
        }
    }

    /// Waits `d` before every answer.
    pub fn delay_all(&self, d: Duration) {
        if let Ok(mut s) = self.state.lock() {
            s.delay_all = Some(d);
        }
    }

    /// The most requests there were at one time between being read and
    /// being answered.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().map(|s| s.max_in_flight).unwrap_or(0)
    }

    /// Injects `fault` for requests to `path` (as it appears in the log).
    pub fn fault(&self, path: &str, fault: Fault) {
        if let Ok(mut s) = self.state.lock() {
            s.faults.insert(path.to_string(), fault);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 3 <= b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn handle_conn(mut conn: TcpStream, root: &Path, state: &Mutex<State>, style: Connections) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    loop {
        let Some(answered) = handle_request(&mut conn, &mut reader, root, state, style) else {
            return;
        };
        if !(answered && style == Connections::KeepAlive) {
            break;
        }
    }
    // Drain anything left so the client sees an orderly close.
    let _ = conn.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = reader.read(&mut [0u8; 1024]);
}

/// Reads and answers one request: `None` when none came, else whether a
/// whole answer was sent (the connection may serve another).
fn handle_request(
    conn: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    root: &Path,
    state: &Mutex<State>,
    style: Connections,
) -> Option<bool> {
    let mut request_line = String::new();
    match reader.read_line(&mut request_line) {
        Ok(0) | Err(_) => return None,
        Ok(_) => {}
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => break,
            Ok(_) if h == "\r\n" || h == "\n" => break,
            Ok(_) => {
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
        }
    }
    let method = request_line
        .split_whitespace()
        .next()
        .unwrap_or("GET")
        .to_string();
    let raw = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let path = percent_decode(raw.split('?').next().unwrap_or("/"));
    let (fault, authorized, delay) = {
        let Ok(mut s) = state.lock() else {
            return None;
        };
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        let authorized = s
            .required
            .as_ref()
            .is_none_or(|want| headers.iter().any(|(k, v)| k == &want.0 && v == &want.1));
        s.log.push(Request {
            method: method.clone(),
            path: path.clone(),
            raw_path: raw.clone(),
            headers,
        });
        let fault = s.faults.get(&path).cloned();
        if let Some(Fault::Status { times: Some(n), .. }) = &fault {
            if *n <= 1 {
                s.faults.remove(&path);
            } else if let Some(Fault::Status { times, .. }) = s.faults.get_mut(&path) {
                *times = Some(n - 1);
            }
        }
        (fault, authorized, s.delay_all)
    };
    if let Some(d) = delay {
        std::thread::sleep(d);
    }
    // Counted until the answer starts: the client cannot have read it (and
    // sent its next request) before this.
    if let Ok(mut s) = state.lock() {
        s.in_flight -= 1;
    }
    if !authorized {
        let extra = "WWW-Authenticate: Basic realm=\"fixture\"\r\n";
        respond(conn, style, 401, b"unauthorized\n", Some(extra));
        return Some(true);
    }
    let file = root.join(path.trim_start_matches('/'));
    let body = std::fs::read(&file).ok().filter(|_| !path.contains(".."));
    if method == "HEAD" {
        match body {
            Some(b) => {
                let head = format!(
                    "{}Content-Length: {}\r\n\r\n",
                    style.status_line(200, "OK"),
                    b.len()
                );
                let _ = conn.write_all(head.as_bytes());
            }
            None => {
                let head = format!(
                    "{}Content-Length: 0\r\n\r\n",
                    style.status_line(404, "Not Found")
                );
                let _ = conn.write_all(head.as_bytes());
            }
        }
        return Some(true);
    }
    match fault {
        Some(Fault::Status {
            code,
            body,
            headers,
            ..
        }) => {
            let extra: String = headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}\r\n"))
                .collect();
            respond(conn, style, code, body.as_bytes(), Some(&extra))
        }
        Some(Fault::Reset) => {
            let _ = conn.shutdown(Shutdown::Both);
            return Some(false);
        }
        Some(Fault::Truncate(n)) => {
            if let Some(b) = body {
                let head = format!(
                    "{}Content-Length: {}\r\n\r\n",
                    style.status_line(200, "OK"),
                    b.len()
                );
                let _ = conn.write_all(head.as_bytes());
                let _ = conn.write_all(&b[..n.min(b.len())]);
            }
            let _ = conn.shutdown(Shutdown::Both);
            return Some(false);
        }
        Some(Fault::Delay(d)) => {
            std::thread::sleep(d);
            serve(conn, style, body);
        }
        Some(Fault::Replace(bytes)) => respond(conn, style, 200, &bytes, None),
        Some(Fault::Redirect(location)) => {
            let extra = format!("Location: {location}\r\n");
            respond(conn, style, 302, b"", Some(&extra))
        }
        None => serve(conn, style, body),
    }
    Some(true)
}

fn serve(conn: &mut TcpStream, style: Connections, body: Option<Vec<u8>>) {
    match body {
        Some(b) => respond(conn, style, 200, &b, None),
        None => respond(conn, style, 404, b"not found\n", None),
    }
}

fn respond(conn: &mut TcpStream, style: Connections, code: u16, body: &[u8], extra: Option<&str>) {
    let reason = match code {
        200 => "OK",
        401 => "Unauthorized",
        404 => "Not Found",
        302 => "Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let head = format!(
        "{}Content-Length: {}\r\nContent-Type: text/plain; charset=utf-8\r\n{}\r\n",
        style.status_line(code, reason),
        body.len(),
        extra.unwrap_or("")
    );
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
    let _ = conn.flush();
}
