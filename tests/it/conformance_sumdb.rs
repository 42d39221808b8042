//! Conformance: signed notes and the transparency log (golang.org/x/mod
//! sumdb/note and sumdb/tlog tests), read in place from the x/mod vectors.

use serde_json::Value;

use modsnap::sumdb::note::{self, Note, NoteError, Signature, Signer, Verifier, Verifiers};
use modsnap::sumdb::tlog::{self, Tile};

use crate::support::conformance::{bytes, cases, load, s};

fn verifiers(v: &Value) -> Verifiers {
    Verifiers::new(
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|k| Verifier::parse(&s(k)).expect("verifier"))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

fn sigs(v: &Value) -> Vec<Signature> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| Signature {
                    name: s(&x["Name"]),
                    hash: x["Hash"].as_u64().expect("hash") as u32,
                    base64: s(&x["Base64"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn note_keys_sign_and_open() {
    let Some(doc) = load("sumdb_note_vectors.json") else {
        return;
    };
    let keys = &doc["keys"];
    let peter = Verifier::parse(&s(&keys["PeterNeumann_verifier"])).expect("verifier");
    assert_eq!(peter.name(), "PeterNeumann");
    assert_eq!(peter.key_hash(), 0xc74f20a3);
    assert_eq!(peter.encode(), s(&keys["PeterNeumann_verifier"]));
    let signer = Signer::parse(&s(&keys["PeterNeumann_signer"])).expect("signer");
    assert_eq!(signer.verifier(), peter);
    // EnochRoot's signer is GenerateKey with a zero-byte reader: seed 0…0.
    let enoch = Signer::from_seed("EnochRoot", &[0u8; 32]).unwrap();
    assert_eq!(enoch.verifier().encode(), s(&keys["EnochRoot_verifier"]));

    // Every proper substring and every one-byte change of a key fails.
    for key in [s(&keys["PeterNeumann_verifier"])] {
        let b = key.as_bytes();
        for i in 0..b.len() {
            for j in i + 1..=b.len() {
                if (i, j) == (0, b.len()) {
                    continue;
                }
                if let Ok(sub) = std::str::from_utf8(&b[i..j]) {
                    assert!(Verifier::parse(sub).is_err(), "{sub}");
                }
            }
            let mut m = b.to_vec();
            m[i] = m[i].wrapping_add(1);
            if let Ok(m) = std::str::from_utf8(&m) {
                assert!(Verifier::parse(m).is_err(), "{m}");
            }
        }
    }
    assert_eq!(
        Verifier::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .unwrap_err()
        .to_string(),
        "malformed verifier id"
    );
    assert_eq!(
        Verifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .unwrap_err()
            .to_string(),
        "unknown verifier algorithm"
    );

    // Sign: deterministic Ed25519, so byte for byte.
    let sign = &doc["sign"];
    let text = s(&sign["text"]);
    let n = Note {
        text: text.clone(),
        sigs: vec![],
        unverified: vec![],
    };
    assert_eq!(note::sign(&n, &[&signer]).unwrap(), s(&sign["want"]));
    let replaced = Note {
        sigs: vec![Signature {
            name: "PeterNeumann".into(),
            hash: 0xc74f20a3,
            base64: "BADSIGN=".into(),
        }],
        ..n.clone()
    };
    assert_eq!(note::sign(&replaced, &[&signer]).unwrap(), s(&sign["want"]));
    let abc = Note {
        text: "abc".into(),
        ..n.clone()
    };
    assert_eq!(
        note::sign(&abc, &[&signer]).unwrap_err(),
        NoteError::Malformed
    );
    let bad_name = Note {
        sigs: vec![Signature {
            name: "a+b".into(),
            hash: 0,
            base64: "".into(),
        }],
        ..n.clone()
    };
    assert_eq!(
        note::sign(&bad_name, &[]).unwrap_err(),
        NoteError::Malformed
    );
    let bad_hash = Note {
        sigs: vec![Signature {
            name: "PeterNeumann".into(),
            hash: 0xc74f20a3,
            base64: "BADHASH=".into(),
        }],
        ..n.clone()
    };
    assert_eq!(
        note::sign(&bad_hash, &[]).unwrap_err(),
        NoteError::Malformed
    );

    // Adding a signature keeps the existing one first.
    let ex = &doc["sign_add_signature_example"];
    let opened = note::open(&bytes(&ex["input_msg"]), &verifiers(&ex["verifiers"])).unwrap();
    assert_eq!(note::sign(&opened, &[&enoch]).unwrap(), s(&ex["want"]));

    // VerifierList lookups.
    for case in doc["verifier_list"].as_array().unwrap() {
        let list = verifiers(&case["list"]);
        let name = s(&case["lookup"][0]);
        let hash = case["lookup"][1].as_u64().unwrap() as u32;
        match list.verifier(&name, hash) {
            Ok(v) => assert_eq!(v.name(), "PeterNeumann", "{case}"),
            Err(e) => assert_eq!(e.to_string(), s(&case["wantErr"]), "{case}"),
        }
    }

    // Open.
    let mut checked = 0;
    for case in cases(&doc) {
        let desc = s(&case["desc"]);
        let got = note::open(&bytes(&case["msg"]), &verifiers(&case["verifiers"]));
        match (&case["wantErr"], got) {
            (Value::String(want), Err(e)) => assert_eq!(&e.to_string(), want, "{desc}"),
            (Value::String(want), Ok(n)) => panic!("{desc}: opened {n:?}, want {want}"),
            (_, Err(e)) => panic!("{desc}: {e}"),
            (_, Ok(n)) => {
                let want = &case["want"];
                if want.is_object() {
                    if let Some(t) = want.get("Text") {
                        assert_eq!(n.text, s(t), "{desc}");
                    }
                    assert_eq!(n.sigs, sigs(&want["Sigs"]), "{desc}");
                    assert_eq!(n.unverified, sigs(&want["UnverifiedSigs"]), "{desc}");
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, doc["count"].as_u64().unwrap() as usize);
}

#[test]
fn tlog_formats_hashes_and_tiles() {
    let Some(doc) = load("sumdb_tlog_vectors.json") else {
        return;
    };
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let hello = tlog::record_hash(b"hello world");
    assert_eq!(b64.encode(hello), s(&doc["record_hash_hello_world_b64"]));
    assert_eq!(
        hex::encode(tlog::empty_tree_hash()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );

    let ft = &doc["format_tree"];
    let tree = tlog::Tree {
        n: ft["N"].as_i64().unwrap(),
        hash: hello,
    };
    assert_eq!(tlog::format_tree(&tree), s(&ft["want"]));
    assert_eq!(tlog::parse_tree(s(&ft["want"]).as_bytes()).unwrap(), tree);
    for bad in doc["parse_tree_bad"].as_array().unwrap() {
        assert!(tlog::parse_tree(&bytes(bad)).is_err(), "{bad}");
    }
    for good in doc["parse_tree_good_with_trailing_junk"]
        .as_array()
        .unwrap()
    {
        assert_eq!(tlog::parse_tree(&bytes(good)).unwrap(), tree);
    }

    let fr = &doc["format_record"];
    let id = fr["id"].as_i64().unwrap();
    assert_eq!(
        tlog::format_record(id, s(&fr["text"]).as_bytes()).unwrap(),
        s(&fr["want"]).into_bytes()
    );
    for bad in fr["bad_texts_must_error"].as_array().unwrap() {
        assert!(tlog::format_record(id, &bytes(bad)).is_err(), "{bad}");
    }
    for case in doc["parse_record"].as_array().unwrap() {
        let input = bytes(&case["in"]);
        let (got_id, text, rest) = tlog::parse_record(&input).unwrap();
        assert_eq!(got_id, case["id"].as_i64().unwrap());
        assert_eq!(text, s(&case["text"]).as_bytes());
        assert_eq!(rest, bytes(&case["rest"]).as_slice());
    }
    for bad in doc["parse_record_bad"].as_array().unwrap() {
        assert!(tlog::parse_record(&bytes(bad)).is_err(), "{bad}");
    }

    let mut paths = 0;
    for case in cases(&doc) {
        let path = s(&case["path"]);
        let got = Tile::parse(&path);
        if case["valid"].as_bool().unwrap() {
            let t = &case["tile"];
            let want = Tile {
                h: t["H"].as_u64().unwrap() as u8,
                l: t["L"].as_i64().unwrap() as i32,
                n: t["N"].as_i64().unwrap(),
                w: t["W"].as_u64().unwrap() as u32,
            };
            assert_eq!(got.unwrap(), want, "{path}");
            assert_eq!(want.path(), path);
        } else {
            assert!(got.is_err(), "{path}");
        }
        paths += 1;
    }
    assert_eq!(paths, doc["count"].as_u64().unwrap() as usize);
    for case in doc["new_tiles_count_h10"].as_array().unwrap() {
        let got = tlog::new_tiles(
            10,
            case["old"].as_i64().unwrap(),
            case["new"].as_i64().unwrap(),
        );
        assert_eq!(got.len() as u64, case["want"].as_u64().unwrap(), "{case}");
    }
}

/// x/mod's test database, end to end: its records in a log, the tree note
/// signed with its signer key and opened with its verifier key, and each
/// lookup response (`id`, record, note) proved through tiles; a changed
/// record is refused.
#[test]
fn test_database_records_verify_through_tiles() {
    let Some(doc) = load("sumdb_client_records.json") else {
        return;
    };
    let signer = Signer::parse(&s(&doc["testSignerKey"])).expect("signer");
    let verifier = Verifier::parse(&s(&doc["testVerifierKey"])).expect("verifier");
    assert_eq!(signer.verifier(), verifier);
    assert_eq!(verifier.name(), s(&doc["testName"]));
    let records: Vec<Vec<u8>> = cases(&doc).iter().map(|c| bytes(&c["record"])).collect();
    let stored = tlog::stored_hashes(&records);
    let tree = tlog::tree_of(records.len() as i64, &stored);
    let signed = note::sign(
        &Note {
            text: tlog::format_tree(&tree),
            sigs: vec![],
            unverified: vec![],
        },
        &[&signer],
    )
    .unwrap();
    struct Tiles(Vec<tlog::Hash>);
    impl tlog::TileReader for Tiles {
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog::TlogError> {
            Ok(tiles.iter().map(|t| tlog::tile_data(t, &self.0)).collect())
        }
    }
    let tiles = Tiles(stored);
    let known = Verifiers::new(vec![verifier]);
    for (id, rec) in records.iter().enumerate() {
        let mut lookup = tlog::format_record(id as i64, rec).unwrap();
        lookup.extend_from_slice(signed.as_bytes());
        let (got_id, text, note_bytes) = tlog::parse_record(&lookup).unwrap();
        let opened = note::open(note_bytes, &known).unwrap();
        let head = tlog::parse_tree(opened.text.as_bytes()).unwrap();
        assert_eq!(head, tree);
        let r = tlog::TileHashReader::new(head, &tiles);
        assert!(r.check_record(got_id, text).unwrap());
        let mut changed = text.to_vec();
        changed[0] ^= 0x20;
        assert!(!r.check_record(got_id, &changed).unwrap());
    }
    // A note whose tree hash was changed no longer verifies.
    let tampered = signed.replacen(&tlog::format_tree(&tree)[25..30], "AAAAA", 1);
    assert!(matches!(
        note::open(tampered.as_bytes(), &known),
        Err(NoteError::InvalidSignature { .. })
    ));
}
