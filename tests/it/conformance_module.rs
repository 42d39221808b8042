//! Conformance: `modsnap::semver` and `modsnap::module` against
//! golang.org/x/mod's own test tables (read in place, see
//! `support::conformance`), plus property tests.
//!
//! Every row of every table is checked, and each test asserts that it saw
//! the number of rows the table declares.

use std::cmp::Ordering;

use modsnap::module::{self, ModVersion, PseudoTime};
use modsnap::semver;
use proptest::prelude::*;
use serde_json::Value;

use crate::support::conformance::{bytes, cases, flag, s, table, text};

fn ord(want: &Value) -> Ordering {
    match want.as_i64().expect("integer") {
        -1 => Ordering::Less,
        0 => Ordering::Equal,
        1 => Ordering::Greater,
        other => panic!("bad compare result {other}"),
    }
}

#[test]
fn semver_canonical_and_slicers() {
    let Some(doc) = table("semver_canonical.json") else {
        return;
    };
    for row in cases(&doc) {
        let input = s(&row["in"]);
        let out = s(&row["out"]);
        let d = &row["derived"];
        assert_eq!(
            semver::is_valid(&input),
            !out.is_empty(),
            "IsValid({input:?})"
        );
        assert_eq!(
            semver::is_valid(&input),
            flag(&d["IsValid"]),
            "IsValid({input:?})"
        );
        assert_eq!(semver::canonical(&input), out, "Canonical({input:?})");
        assert_eq!(
            semver::canonical(&input),
            s(&d["Canonical"]),
            "Canonical({input:?})"
        );
        assert_eq!(semver::major(&input), s(&d["Major"]), "Major({input:?})");
        assert_eq!(
            semver::major_minor(&input),
            s(&d["MajorMinor"]),
            "MajorMinor({input:?})"
        );
        assert_eq!(
            semver::prerelease(&input),
            s(&d["Prerelease"]),
            "Prerelease({input:?})"
        );
        assert_eq!(semver::build(&input), s(&d["Build"]), "Build({input:?})");
    }
}

#[test]
fn semver_compare_all_pairs() {
    let Some(doc) = table("semver_compare.json") else {
        return;
    };
    for row in cases(&doc) {
        let (a, b) = (s(&row[0]), s(&row[1]));
        assert_eq!(
            semver::compare(&a, &b),
            ord(&row[2]),
            "Compare({a:?}, {b:?})"
        );
    }
}

#[test]
fn semver_max_all_pairs() {
    let Some(doc) = table("semver_max.json") else {
        return;
    };
    for row in cases(&doc) {
        let (a, b, want) = (s(&row[0]), s(&row[1]), s(&row[2]));
        assert_eq!(semver::max_canonical(&a, &b), want, "Max({a:?}, {b:?})");
        // The borrowing variant returns the argument Go would canonicalize.
        let picked = semver::max(&a, &b);
        assert!(picked == a || picked == b);
        assert_eq!(semver::canonical(picked), want, "max({a:?}, {b:?})");
    }
}

#[test]
fn semver_sort_golden() {
    let Some(doc) = table("semver_sort.json") else {
        return;
    };
    let golden: Vec<String> = cases(&doc).iter().map(s).collect();
    let n = golden.len();
    // Several permutations: reversed, every rotation, and a fixed shuffle.
    let mut inputs: Vec<Vec<String>> = vec![golden.iter().rev().cloned().collect()];
    for k in 0..n {
        let mut p = golden.clone();
        p.rotate_left(k);
        inputs.push(p);
    }
    let mut shuffled = golden.clone();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..n).rev() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        shuffled.swap(i, (seed >> 33) as usize % (i + 1));
    }
    inputs.push(shuffled);
    for mut list in inputs {
        semver::sort(&mut list);
        assert_eq!(list, golden);
    }
    // Sort over &str works too.
    let mut strs: Vec<&str> = golden.iter().rev().map(String::as_str).collect();
    semver::sort(&mut strs);
    assert_eq!(strs, golden);
}

#[test]
fn module_check_table() {
    let Some(doc) = table("module_check.json") else {
        return;
    };
    for row in cases(&doc) {
        let (path, version) = (s(&row["path"]), s(&row["version"]));
        let got = module::check(&path, &version);
        assert_eq!(
            got.is_ok(),
            flag(&row["ok"]),
            "Check({path:?}, {version:?}) = {got:?}"
        );
        if let Err(e) = got {
            let msg = e.to_string();
            assert!(msg.contains(&path), "{msg}");
        }
    }
}

#[test]
fn module_checkpath_table() {
    let Some(doc) = table("module_checkpath.json") else {
        return;
    };
    for row in cases(&doc) {
        let (ok, import_ok, file_ok) = (
            flag(&row["ok"]),
            flag(&row["importOK"]),
            flag(&row["fileOK"]),
        );
        let Some(path) = text(&row["path"]) else {
            // Not UTF-8: cannot reach a &str API, which is the failure Go reports.
            assert!(
                !ok && !import_ok && !file_ok,
                "non-UTF-8 row must be invalid: {row}"
            );
            assert!(String::from_utf8(bytes(&row["path"])).is_err());
            continue;
        };
        let m = module::check_path(&path);
        assert_eq!(m.is_ok(), ok, "CheckPath({path:?}) = {m:?}");
        let i = module::check_import_path(&path);
        assert_eq!(i.is_ok(), import_ok, "CheckImportPath({path:?}) = {i:?}");
        let f = module::check_file_path(&path);
        assert_eq!(f.is_ok(), file_ok, "CheckFilePath({path:?}) = {f:?}");
        for (res, kind) in [(m, "module"), (i, "import"), (f, "file")] {
            if let Err(e) = res {
                let prefix = format!("malformed {kind} path {}: ", module::quote(&path));
                assert!(e.to_string().starts_with(&prefix), "{e}");
            }
        }
        // TestEscapePath / TestUnescapePath: invalid module paths never escape.
        if !ok {
            assert!(module::escape_path(&path).is_err(), "EscapePath({path:?})");
            assert!(
                module::unescape_path(&path).is_err(),
                "UnescapePath({path:?})"
            );
        } else {
            let esc = module::escape_path(&path).expect("valid path escapes");
            assert_eq!(module::unescape_path(&esc).as_deref(), Ok(path.as_str()));
        }
        // TestSplitPathVersion: prefix + pathMajor == path.
        match module::split_path_version(&path) {
            Some((prefix, major)) => assert_eq!(format!("{prefix}{major}"), path),
            None => assert!(!ok, "a valid module path must split: {path:?}"),
        }
    }
}

#[test]
fn module_escape_table() {
    let Some(doc) = table("module_escape.json") else {
        return;
    };
    for row in cases(&doc) {
        let path = s(&row["path"]);
        let esc = match s(&row["esc"]) {
            e if e.is_empty() => path.clone(),
            e => e,
        };
        assert_eq!(
            module::escape_path(&path).as_deref(),
            Ok(esc.as_str()),
            "EscapePath({path:?})"
        );
        assert_eq!(
            module::unescape_path(&esc).as_deref(),
            Ok(path.as_str()),
            "UnescapePath({esc:?})"
        );
    }
}

#[test]
fn module_unescape_bad_table() {
    let Some(doc) = table("module_unescape_bad.json") else {
        return;
    };
    for row in cases(&doc) {
        let esc = s(row);
        let got = module::unescape_path(&esc);
        assert!(got.is_err(), "UnescapePath({esc:?}) = {got:?}");
    }
}

#[test]
fn module_matchpathmajor_table() {
    let Some(doc) = table("module_matchpathmajor.json") else {
        return;
    };
    for row in cases(&doc) {
        let (v, pm) = (s(&row["v"]), s(&row["pathMajor"]));
        let want = flag(&row["want"]);
        assert_eq!(
            module::match_path_major(&v, &pm),
            want,
            "MatchPathMajor({v:?}, {pm:?})"
        );
        assert_eq!(
            module::check_path_major(&v, &pm).is_ok(),
            want,
            "CheckPathMajor({v:?}, {pm:?})"
        );
    }
}

#[test]
fn module_matchprefixpatterns_table() {
    let Some(doc) = table("module_matchprefixpatterns.json") else {
        return;
    };
    for row in cases(&doc) {
        let (globs, target) = (s(&row["globs"]), s(&row["target"]));
        assert_eq!(
            module::match_prefix_patterns(&globs, &target),
            flag(&row["want"]),
            "MatchPrefixPatterns({globs:?}, {target:?})"
        );
    }
}

#[test]
fn module_splitpathversion_table() {
    let Some(doc) = table("module_splitpathversion.json") else {
        return;
    };
    for row in cases(&doc) {
        let (prefix, major) = (s(&row["pathPrefix"]), s(&row["version"]));
        let path = format!("{prefix}{major}");
        assert_eq!(
            module::split_path_version(&path),
            Some((prefix.as_str(), major.as_str())),
            "SplitPathVersion({path:?})"
        );
    }
}

/// The table's time, 2006-01-02T15:04:05Z.
fn table_time(doc: &Value) -> PseudoTime {
    assert_eq!(doc["time_utc"], "2006-01-02T15:04:05Z");
    PseudoTime::new(2006, 1, 2, 15, 4, 5).expect("valid time")
}

#[test]
fn module_pseudo_table() {
    let Some(doc) = table("module_pseudo.json") else {
        return;
    };
    let t = table_time(&doc);
    let rev = s(&doc["rev"]);
    for row in cases(&doc) {
        let (major, older, version) = (s(&row["major"]), s(&row["older"]), s(&row["version"]));
        assert_eq!(
            module::pseudo_version(&major, &older, t, &rev),
            version,
            "PseudoVersion({major:?}, {older:?})"
        );
        assert!(
            module::is_pseudo_version(&version),
            "IsPseudoVersion({version:?})"
        );
        assert!(
            !module::is_pseudo_version(&older),
            "IsPseudoVersion({older:?})"
        );
        assert_eq!(
            module::pseudo_version_time(&version),
            Ok(t),
            "PseudoVersionTime({version:?})"
        );
        assert!(
            module::pseudo_version_time(&older).is_err(),
            "PseudoVersionTime({older:?})"
        );
        assert_eq!(
            module::pseudo_version_rev(&version).as_deref(),
            Ok(rev.as_str())
        );
        assert!(
            module::pseudo_version_rev(&older).is_err(),
            "PseudoVersionRev({older:?})"
        );
        assert_eq!(
            module::pseudo_version_base(&version).as_deref(),
            Ok(older.as_str()),
            "PseudoVersionBase({version:?})"
        );
    }
    let must_fail = doc["also"]["PseudoVersionTime_must_fail"]
        .as_array()
        .expect("list");
    assert!(!must_fail.is_empty());
    for v in must_fail {
        let v = s(v);
        assert!(
            module::pseudo_version_time(&v).is_err(),
            "PseudoVersionTime({v:?})"
        );
    }
}

#[test]
fn module_pseudo_invalid_base_table() {
    let Some(doc) = table("module_pseudo_invalid_base.json") else {
        return;
    };
    for row in cases(&doc) {
        let v = s(row);
        let got = module::pseudo_version_base(&v);
        assert!(got.is_err(), "PseudoVersionBase({v:?}) = {got:?}");
    }
}

/// incDecimal/decDecimal are private; they are observable through
/// PseudoVersion (increments the patch) and PseudoVersionBase (decrements
/// it; no predecessor is an error).
#[test]
fn module_pseudo_decimal_helpers_table() {
    let Some(doc) = table("module_pseudo_decimal_helpers.json") else {
        return;
    };
    let t = PseudoTime::new(2006, 1, 2, 15, 4, 5).expect("valid time");
    for row in cases(&doc) {
        let (op, input, want) = (s(&row["op"]), s(&row["in"]), s(&row["want"]));
        match op.as_str() {
            "inc" => assert_eq!(
                module::pseudo_version("", &format!("v1.2.{input}"), t, "hash"),
                format!("v1.2.{want}-0.20060102150405-hash"),
                "incDecimal({input:?})"
            ),
            "dec" => {
                let got =
                    module::pseudo_version_base(&format!("v1.2.{input}-0.20060102150405-hash"));
                if want.is_empty() {
                    assert!(
                        got.is_err(),
                        "decDecimal({input:?}) has no predecessor: {got:?}"
                    );
                } else {
                    assert_eq!(
                        got.as_deref(),
                        Ok(format!("v1.2.{want}").as_str()),
                        "decDecimal({input:?})"
                    );
                }
            }
            other => panic!("unknown op {other}"),
        }
    }
}

#[test]
fn module_sort_orders_like_go() {
    let mut list = vec![
        ModVersion::new("example.com/a", "v1.0.0/go.mod"),
        ModVersion::new("example.com/a", "v1.10.0"),
        ModVersion::new("example.com/a", "v1.0.0"),
        ModVersion::new("example.com/a", "v1.2.0-pre"),
        ModVersion::new("example.com/Upper", "v0.1.0"),
    ];
    module::sort(&mut list);
    let got: Vec<String> = list.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "example.com/Upper@v0.1.0",
            "example.com/a@v1.0.0",
            "example.com/a@v1.0.0/go.mod",
            "example.com/a@v1.2.0-pre",
            "example.com/a@v1.10.0",
        ]
    );
}

const SEMVERISH: &str = "v(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){0,2}(-[0-9A-Za-z.-]{1,8})?(\\+[0-9A-Za-z.-]{1,8})?";

proptest! {
    #[test]
    fn escape_path_round_trips(path in "[a-z0-9]{1,6}\\.[a-z]{2,3}(/[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,8}){0,4}") {
        prop_assume!(module::check_path(&path).is_ok());
        let esc = module::escape_path(&path).expect("valid path escapes");
        prop_assert!(!esc.bytes().any(|b| b.is_ascii_uppercase()));
        prop_assert_eq!(module::unescape_path(&esc), Ok(path));
    }

    #[test]
    fn escape_version_round_trips(v in "[A-Za-z0-9._+~ -]{1,24}") {
        prop_assume!(module::escape_version(&v).is_ok());
        let esc = module::escape_version(&v).expect("checked");
        prop_assert!(!esc.bytes().any(|b| b.is_ascii_uppercase()));
        prop_assert_eq!(module::unescape_version(&esc), Ok(v));
    }

    #[test]
    fn nothing_panics(a in any::<String>(), b in "[a-zA-Z0-9./*?\\[\\]\\\\^,!+~-]{0,16}") {
        for x in [a.as_str(), b.as_str()] {
            let _ = semver::is_valid(x);
            let _ = semver::canonical(x);
            let _ = semver::major(x);
            let _ = semver::major_minor(x);
            let _ = semver::prerelease(x);
            let _ = semver::build(x);
            let _ = module::check_path(x);
            let _ = module::check_import_path(x);
            let _ = module::check_file_path(x);
            let _ = module::check(x, x);
            let _ = module::split_path_version(x);
            let _ = module::check_path_major(x, x);
            let _ = module::canonical_version(x);
            let _ = module::escape_path(x);
            let _ = module::escape_version(x);
            let _ = module::unescape_path(x);
            let _ = module::unescape_version(x);
            let _ = module::is_pseudo_version(x);
            let _ = module::pseudo_version_base(x);
            let _ = module::pseudo_version_time(x);
            let _ = module::pseudo_version_rev(x);
            let _ = module::pseudo_version(x, x, PseudoTime::ZERO, x);
            let _ = module::quote(x);
        }
        let _ = semver::compare(&a, &b);
        let _ = module::path_match(&a, &b);
        let _ = module::path_match(&b, &a);
        let _ = module::match_prefix_patterns(&a, &b);
        let _ = module::match_prefix_patterns(&b, &a);
        let mut l = vec![ModVersion::new(a.clone(), b.clone()), ModVersion::new(b.clone(), a.clone())];
        module::sort(&mut l);
    }

    #[test]
    fn compare_is_antisymmetric(a in SEMVERISH, b in SEMVERISH, c in any::<String>()) {
        for (x, y) in [(&a, &b), (&a, &c), (&c, &b)] {
            prop_assert_eq!(semver::compare(x, y), semver::compare(y, x).reverse());
        }
        prop_assert_eq!(semver::compare(&a, &a), Ordering::Equal);
    }

    #[test]
    fn canonical_compares_equal(v in SEMVERISH, junk in any::<String>()) {
        for x in [&v, &junk] {
            let c = semver::canonical(x);
            prop_assert_eq!(semver::compare(&c, x), Ordering::Equal);
            prop_assert_eq!(semver::is_valid(x), !c.is_empty());
            if !c.is_empty() {
                prop_assert_eq!(semver::canonical(&c), c.clone());
            }
        }
    }

    #[test]
    fn pseudo_versions_parse_back(
        major in "v(0|[1-9][0-9]?)",
        older in prop_oneof![Just(String::new()), SEMVERISH],
        (y, mo, d, h, mi, sec) in (0u16..=9999, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60),
        rev in "[0-9a-f]{12}",
    ) {
        let t = PseudoTime::new(y, mo, d, h, mi, sec).expect("valid");
        let v = module::pseudo_version(&major, &older, t, &rev);
        prop_assert!(module::is_pseudo_version(&v), "{}", v);
        prop_assert_eq!(module::pseudo_version_time(&v), Ok(t));
        prop_assert_eq!(module::pseudo_version_rev(&v), Ok(rev));
        if semver::is_valid(&older) {
            prop_assert_eq!(semver::compare(&v, &older), Ordering::Greater);
        }
    }
}
