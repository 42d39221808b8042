//! GOAUTH against an https proxy that demands credentials: a command, `git
//! DIR` with a git credential helper, the default `netrc`, and `off` — each
//! compared with what the real go command sends and does.
//!
//! The fixture proxy answers 401 to any request without the expected
//! header; a TLS relay (test CA, `SSL_CERT_FILE`) puts it behind https,
//! since GOAUTH only ever applies to https.

use std::path::{Path, PathBuf};

use crate::support::fixture::{Fixture, copy_dir, project};
use crate::support::go::{GoEnv, go_or_skip};
use crate::support::tls::TlsServer;

/// The fixture proxy behind https, and the scratch files of one test.
struct Secured {
    fx: Fixture,
    https: TlsServer,
}

impl Secured {
    fn new() -> Secured {
        let fx = Fixture::new();
        let https = TlsServer::relay(fx.tmp.path(), &fx.server.url());
        Secured { fx, https }
    }

    fn host(&self) -> &str {
        self.https.url.trim_start_matches("https://")
    }

    fn ca(&self) -> &str {
        self.https.ca_file.to_str().unwrap()
    }

    /// `modsnap snapshot` of the pruned project through the https proxy,
    /// from an empty cache.
    fn snapshot(&self, out: &Path, vars: &[(&str, &str)]) -> (i32, String, String) {
        let _ = std::fs::remove_dir_all(self.fx.tmp.path().join("cache"));
        let mut all = vec![
            ("GOPROXY", self.https.url.as_str()),
            ("SSL_CERT_FILE", self.ca()),
        ];
        all.extend_from_slice(vars);
        self.fx
            .snapshot_with(&[&project("pruned"), "-o", out.to_str().unwrap()], &all)
    }

    /// The real go's `mod download` of the same project through the same
    /// proxy, with `vars`.
    fn go_download(&self, go: &Path, name: &str, vars: &[(&str, &str)]) -> std::process::Output {
        let dir = self.fx.tmp.path().join(name);
        copy_dir(Path::new(&project("pruned")), &dir);
        let mut env = GoEnv::new(go.to_path_buf())
            .var("GOPROXY", &self.https.url)
            .var("GOSUMDB", &Fixture::gosumdb())
            .var("SSL_CERT_FILE", self.ca());
        for (k, v) in vars {
            env = env.var(k, v);
        }
        env.cmd(&dir, &["mod", "download"]).output().unwrap()
    }

    /// How many requests reached the proxy with and without `header`.
    fn sent(&self, header: &str) -> (usize, usize) {
        let reqs = self.fx.server.requests();
        let with = reqs
            .iter()
            .filter(|r| {
                r.headers
                    .iter()
                    .any(|(k, v)| k == "authorization" && v == header)
            })
            .count();
        (with, reqs.len() - with)
    }
}

fn executable(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path.to_path_buf()
}

fn basic(user: &str, pass: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

/// The calls a logging GOAUTH command recorded: (arguments, first stdin
/// line).
fn calls(log: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let (args, stdin) = l.split_once('|').unwrap_or((l, ""));
            (args.to_string(), stdin.to_string())
        })
        .collect()
}

/// A GOAUTH command that gives nothing when run without a URL and a bearer
/// token for the whole proxy when run for a URL after a 401: the go
/// command's protocol end to end. modsnap and go both run it first with no
/// argument, then with the URL as argument and the 401 response on stdin,
/// and then send the token; the token never appears in modsnap's output.
#[test]
fn a_goauth_command_answers_a_401_as_go_asks_it() {
    let s = Secured::new();
    let token = "Bearer t0ken-from-helper";
    s.fx.server.require_header("Authorization", token);
    let tmp = s.fx.tmp.path();
    let helper = |log: &Path| {
        executable(
            &tmp.join(format!(
                "helper-{}",
                log.file_name().unwrap().to_str().unwrap()
            )),
            &format!(
                "#!/bin/sh\nif [ $# -eq 0 ]; then echo '|' >> {log}; exit 0; fi\nfirst=$(head -n 1)\necho \"$*|$first\" >> {log}\nprintf 'https://{host}/\\n\\nAuthorization: {token}\\n\\n'\n",
                log = log.display(),
                host = s.host(),
            ),
        )
    };
    let ours_log = tmp.join("ours.log");
    let cmd = helper(&ours_log);
    let out = tmp.join("snap.tar");
    let (code, stdout, stderr) = s.snapshot(&out, &[("GOAUTH", cmd.to_str().unwrap())]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!format!("{stdout}{stderr}").contains("t0ken"), "{stderr}");
    let (with, without) = s.sent(token);
    assert!(with > 10, "{with} authorized requests");
    // Only requests sent before the first refresh stored the token lack it.
    assert!(
        (1..=16).contains(&without),
        "{without} requests without the token"
    );

    let check_calls = |who: &str, log: &Path| {
        let calls = calls(log);
        assert!(calls.len() >= 2, "{who}: {calls:?}");
        assert_eq!(calls[0], (String::new(), String::new()), "{who}: {calls:?}");
        for (args, stdin) in &calls[1..] {
            assert!(args.starts_with(&s.https.url), "{who}: {calls:?}");
            assert_eq!(stdin, "HTTP/1.1 401 Unauthorized", "{who}: {calls:?}");
        }
    };
    check_calls("modsnap", &ours_log);

    let Some(go) = go_or_skip("a_goauth_command_answers_a_401_as_go_asks_it") else {
        return;
    };
    let go_log = tmp.join("go.log");
    let cmd = helper(&go_log);
    s.fx.server.clear_log();
    let o = s.go_download(&go, "go-command", &[("GOAUTH", cmd.to_str().unwrap())]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_calls("go", &go_log);
    assert!(s.sent(token).0 > 10);
}

/// `GOAUTH=git DIR` runs `git credential fill` in DIR; the credential
/// helper's answer is sent as basic auth, and the helper is told to store
/// it when it worked and to erase it when the proxy refused it. A refused
/// credential is one line naming the URL and the 401, and the password is
/// never printed.
#[test]
fn goauth_git_fills_from_the_credential_helper_and_settles_it() {
    if crate::vcs_direct::git_or_skip("goauth_git_fills_from_the_credential_helper_and_settles_it")
        .is_none()
    {
        return;
    }
    let s = Secured::new();
    let want = basic("ci", "s3cret-pw");
    s.fx.server.require_header("Authorization", &want);
    let tmp = s.fx.tmp.path();
    let workdir = tmp.join("work");
    std::fs::create_dir_all(&workdir).unwrap();
    let setup = |name: &str, password: &str| -> (PathBuf, PathBuf) {
        let log = tmp.join(format!("{name}.log"));
        let helper = executable(
            &tmp.join(format!("cred-{name}")),
            &format!(
                "#!/bin/sh\necho \"$1\" >> {log}\ncat > /dev/null\nif [ \"$1\" = get ]; then echo username=ci; echo password={password}; fi\n",
                log = log.display()
            ),
        );
        let config = tmp.join(format!("gitconfig-{name}"));
        std::fs::write(
            &config,
            format!("[credential]\n\thelper = {}\n", helper.display()),
        )
        .unwrap();
        (config, log)
    };
    let goauth = format!("git {}", workdir.display());

    let (config, log) = setup("good", "s3cret-pw");
    let out = tmp.join("snap.tar");
    let (code, stdout, stderr) = s.snapshot(
        &out,
        &[
            ("GOAUTH", goauth.as_str()),
            ("GIT_CONFIG_GLOBAL", config.to_str().unwrap()),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!format!("{stdout}{stderr}").contains("s3cret"), "{stderr}");
    let actions = std::fs::read_to_string(&log).unwrap();
    assert!(actions.lines().any(|l| l == "get"), "{actions}");
    assert!(actions.lines().any(|l| l == "store"), "{actions}");
    assert!(!actions.lines().any(|l| l == "erase"), "{actions}");
    assert!(s.sent(&want).0 > 10);

    let (config, log) = setup("bad", "wrong-pw");
    let bad_out = tmp.join("bad.tar");
    s.fx.server.clear_log();
    let (code, stdout, stderr) = s.snapshot(
        &bad_out,
        &[
            ("GOAUTH", goauth.as_str()),
            ("GIT_CONFIG_GLOBAL", config.to_str().unwrap()),
        ],
    );
    assert_ne!(code, 0, "{stderr}");
    assert!(!bad_out.exists());
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("modsnap: error"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("401") && errors[0].contains(&s.https.url),
        "{stderr}"
    );
    assert!(errors[0].contains("go help goauth"), "{stderr}");
    assert!(
        !format!("{stdout}{stderr}").contains("wrong-pw"),
        "{stderr}"
    );
    let actions = std::fs::read_to_string(&log).unwrap();
    assert!(actions.lines().any(|l| l == "erase"), "{actions}");

    let Some(go) = go_or_skip("goauth_git_fills_from_the_credential_helper_and_settles_it") else {
        return;
    };
    let (config, log) = setup("go", "s3cret-pw");
    let o = s.go_download(
        &go,
        "go-git",
        &[
            ("GOAUTH", goauth.as_str()),
            ("GIT_CONFIG_GLOBAL", config.to_str().unwrap()),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let actions = std::fs::read_to_string(&log).unwrap();
    assert!(actions.lines().any(|l| l == "get"), "go: {actions}");
}

/// The default GOAUTH is `netrc`: `machine 127.0.0.1:<port>` is sent as
/// basic auth over https. `GOAUTH=off` sends nothing, and the 401 fails the
/// run, for modsnap as for go. A GOAUTH go refuses is refused in go's words.
#[test]
fn netrc_is_the_default_and_off_sends_nothing() {
    let s = Secured::new();
    let want = basic("alice", "netrc-pw");
    s.fx.server.require_header("Authorization", &want);
    let tmp = s.fx.tmp.path();
    let netrc = tmp.join("netrc");
    std::fs::write(
        &netrc,
        format!("machine {} login alice password netrc-pw\n", s.host()),
    )
    .unwrap();
    let netrc = netrc.to_str().unwrap();

    let (code, _, stderr) = s.snapshot(&tmp.join("a.tar"), &[("NETRC", netrc)]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(s.sent(&want).1, 0, "every request carries the netrc login");

    s.fx.server.clear_log();
    let off = tmp.join("off.tar");
    let (code, _, stderr) = s.snapshot(&off, &[("NETRC", netrc), ("GOAUTH", "off")]);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    assert!(!off.exists());
    assert_eq!(s.sent(&want).0, 0);

    let (code, _, stderr) = s.snapshot(&off, &[("GOAUTH", "off; netrc")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("GOAUTH=off cannot be combined with other authentication commands"),
        "{stderr}"
    );
    let (code, _, stderr) = s.snapshot(&off, &[("GOAUTH", "git relative/dir")]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("dir is not absolute"), "{stderr}");

    let Some(go) = go_or_skip("netrc_is_the_default_and_off_sends_nothing") else {
        return;
    };
    let o = s.go_download(&go, "go-netrc", &[("NETRC", netrc)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = s.go_download(&go, "go-off", &[("NETRC", netrc), ("GOAUTH", "off")]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("401"));
    let o = s.go_download(&go, "go-bad", &[("GOAUTH", "off; netrc")]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("GOAUTH=off cannot be combined with other authentication commands")
    );
}

/// A `?go-get=1` discovery page behind a 401 gets the same second chance:
/// the GOAUTH command is run for the page's URL and the page read with
/// what it gives; with `GOAUTH=off` the 401 is the answer.
#[tokio::test]
async fn discovery_pages_get_goauth_credentials_too() {
    let s = Secured::new();
    let token = "Bearer page-token";
    s.fx.server.require_header("Authorization", token);
    let tmp = s.fx.tmp.path();
    std::fs::write(
        s.fx.tree.dir.path().join("team"),
        "<meta name=\"go-import\" content=\"corp.example/team git https://git.corp.example/team\">",
    )
    .unwrap();
    let log = tmp.join("page.log");
    let cmd = executable(
        &tmp.join("page-helper"),
        &format!(
            "#!/bin/sh\necho \"$*\" >> {log}\n[ $# -eq 0 ] && exit 0\nprintf '{url}/team\\n\\nAuthorization: {token}\\n\\n'\n",
            log = log.display(),
            url = s.https.url,
        ),
    );
    let client = |goauth: &str| {
        modsnap::proxy::Client::new(modsnap::proxy::ProxyConfig {
            goproxy: "off".into(),
            goauth: goauth.into(),
            ca_files: vec![s.https.ca_file.clone()],
            ..Default::default()
        })
        .unwrap()
    };
    let url = format!("{}/team?go-get=1", s.https.url);
    let page = client(cmd.to_str().unwrap())
        .get_page(&url, 1 << 20)
        .await
        .unwrap();
    assert!(page.contains("go-import"), "{page}");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls, format!("\n{url}\n"));
    let err = client("off").get_page(&url, 1 << 20).await.unwrap_err();
    assert!(err.contains("401"), "{err}");
}
