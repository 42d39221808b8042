//! `modsnap hash` against the real go command: the `Sum` and `GoModSum` that
//! `go mod download -json` reports for fixture modules served by a loopback
//! proxy must equal what modsnap computes, for the zip, the go.mod and the
//! extracted directory.

use serde::Deserialize;

use crate::support::cmd::run;
use crate::support::go::{GoEnv, go_or_skip};
use crate::support::proxy::{ModuleSource, ProxyTree, Server};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Download {
    path: String,
    version: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    sum: String,
    #[serde(default)]
    go_mod_sum: String,
    #[serde(default)]
    zip: String,
    #[serde(default)]
    dir: String,
}

#[test]
fn hashes_equal_go_mod_download() {
    let Some(go) = go_or_skip("hashes_equal_go_mod_download") else {
        return;
    };
    let modules = ModuleSource::load_all();
    assert!(modules.len() >= 6, "fixture modules missing");
    let tree = ProxyTree::new(&modules);
    let server = Server::start(tree.dir.path());
    let env = GoEnv::new(go).var("GOPROXY", &server.url());
    let work = tempfile::tempdir().unwrap();

    let ids: Vec<String> = modules.iter().map(|m| m.id()).collect();
    let mut args = vec!["mod", "download", "-json"];
    args.extend(ids.iter().map(String::as_str));
    let out = env.run(work.path(), &args);
    let downloads: Vec<Download> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("go mod download -json output");
    assert_eq!(downloads.len(), modules.len());

    for m in &modules {
        let d = downloads
            .iter()
            .find(|d| d.path == m.path && d.version == m.version)
            .unwrap_or_else(|| panic!("go did not report {}", m.id()));
        assert_eq!(d.error, None, "{}", m.id());
        assert!(
            d.sum.starts_with("h1:") && d.go_mod_sum.starts_with("h1:"),
            "{d:?}"
        );
        let id = m.id();

        // The zip as served, and the copy go put in its cache: same bytes,
        // same hash, and the go.sum line names the module.
        for zip in [tree.file(&m.path, &m.version, "zip"), d.zip.clone().into()] {
            let (code, stdout, stderr) =
                run(&["hash", "zip", zip.to_str().unwrap(), "--module", &id]);
            assert_eq!(code, 0, "hash zip {id}: {stderr}");
            assert_eq!(
                stdout,
                format!("{} {} {}\n", m.path, m.version, d.sum),
                "zip hash of {id}"
            );
        }

        // The .mod file: its /go.mod hash, alone and as a go.sum line.
        let mod_file = tree.file(&m.path, &m.version, "mod");
        let (code, stdout, stderr) = run(&["hash", "mod", mod_file.to_str().unwrap()]);
        assert_eq!(code, 0, "hash mod {id}: {stderr}");
        assert_eq!(stdout.trim(), d.go_mod_sum, "go.mod hash of {id}");
        let (_, stdout, _) = run(&["hash", "mod", mod_file.to_str().unwrap(), "--module", &id]);
        assert_eq!(
            stdout,
            format!("{} {}/go.mod {}\n", m.path, m.version, d.go_mod_sum)
        );

        // The extracted directory hashes as the zip does (what go mod verify checks).
        let (code, stdout, stderr) = run(&["hash", "dir", &d.dir, "--module", &id, "--json"]);
        assert_eq!(code, 0, "hash dir {id}: {stderr}");
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("--json output");
        assert_eq!(json["h1"], d.sum.as_str(), "dir hash of {id}");
        assert_eq!(json["path"], m.path.as_str());
        assert_eq!(json["version"], m.version.as_str());
    }

    // go fetched every artifact through the loopback proxy.
    let log = server.log();
    assert!(log.iter().any(|p| p.ends_with(".zip")), "{log:?}");
    assert!(
        log.iter().any(|p| p.contains("/!upper/!case/@v/")),
        "escaped path on the wire: {log:?}"
    );
}
