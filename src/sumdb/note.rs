//! Signed notes (golang.org/x/mod/sumdb/note): a UTF-8 text ending in a
//! newline, a blank line, and one or more signature lines
//! `— <name> <base64(4-byte key hash ‖ signature)>`.
//!
//! Keys: a verifier key is `<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte
//! Ed25519 public key)>`, a signer key `PRIVATE+KEY+<name>+<hash>+<base64(0x01
//! ‖ 32-byte seed)>`; the key hash is the first 4 bytes (big-endian) of
//! SHA-256(name ‖ "\n" ‖ 0x01 ‖ key). Ed25519 is the only algorithm.
//!
//! [`open`] follows Go's `note.Open` exactly: valid UTF-8 with no control
//! characters but newlines; the signature block after the *last* blank
//! line, every line of it a well-formed signature; at most 100 signatures;
//! signatures by unknown keys kept aside (repeats dropped), a known key's
//! bad signature an error, and at least one verified signature required.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::dirhash::Sha256;

/// The Ed25519 algorithm byte of a key.
const ALG_ED25519: u8 = 1;

/// The prefix of a signature line: U+2014 EM DASH and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a key or note is refused. The texts are the go command's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A verifier key that does not parse.
    #[error("malformed verifier id")]
    MalformedVerifier,
    /// A key whose algorithm byte is not Ed25519.
    #[error("unknown verifier algorithm")]
    UnknownAlgorithm,
    /// A key whose length is wrong for Ed25519.
    #[error("malformed verifier id")]
    BadKeyLength,
    /// A key whose hash field does not match its name and key.
    #[error("invalid verifier hash")]
    BadKeyHash,
    /// The note breaks the format.
    #[error("malformed note")]
    Malformed,
    /// A known key's signature does not verify.
    #[error("invalid signature for key {name}+{hash:08x}")]
    InvalidSignature {
        /// The key's name.
        name: String,
        /// Its hash.
        hash: u32,
    },
    /// The note parses but no known key signed it.
    #[error("note has no verifiable signatures")]
    Unverified,
    /// No known key has this name and hash.
    #[error("unknown key {name}+{hash:08x}")]
    UnknownKey {
        /// The key's name.
        name: String,
        /// Its hash.
        hash: u32,
    },
    /// Two known keys share a name and hash.
    #[error("ambiguous key {name}+{hash:08x}")]
    Ambiguous {
        /// The keys' name.
        name: String,
        /// Their hash.
        hash: u32,
    },
    /// A signer with an invalid name.
    #[error("invalid signer")]
    InvalidSigner,
}

/// The key hash of `name` and `key` (algorithm byte first).
fn key_hash(name: &str, key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A key name: non-empty, no whitespace, no `+` (Go's `isValidName`).
fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+')
}

/// `<8 lowercase or uppercase hex digits>` as Go's `strconv.ParseUint(s,
/// 16, 32)` with the length check the key parsers make.
fn parse_hash(s: &str) -> Option<u32> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// The hash and key bytes (algorithm byte first) of a key's `name`,
/// `hash` and base64 fields, checked as Go's `NewVerifier` and `NewSigner`
/// check them (8 hex digits, a valid name, non-empty base64).
fn key_parts(name: &str, hash: &str, b64: &str) -> Result<(u32, Vec<u8>), NoteError> {
    let hash = parse_hash(hash).ok_or(NoteError::MalformedVerifier)?;
    let key = STANDARD
        .decode(b64)
        .map_err(|_| NoteError::MalformedVerifier)?;
    if !is_valid_name(name) || key.is_empty() {
        return Err(NoteError::MalformedVerifier);
    }
    Ok((hash, key))
}

/// A verifier: a key name, its hash and an Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    hash: u32,
    key: [u8; 32],
}

impl Verifier {
    /// Parses a verifier key `<name>+<hash>+<base64 key>`.
    pub fn parse(vkey: &str) -> Result<Verifier, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(hash), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::MalformedVerifier);
        };
        let (hash, key) = key_parts(name, hash, b64)?;
        if key_hash(name, &key) != hash {
            return Err(NoteError::BadKeyHash);
        }
        if key[0] != ALG_ED25519 {
            return Err(NoteError::UnknownAlgorithm);
        }
        let key: [u8; 32] = key[1..].try_into().map_err(|_| NoteError::BadKeyLength)?;
        Ok(Verifier {
            name: name.to_string(),
            hash,
            key,
        })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hash.
    pub fn key_hash(&self) -> u32 {
        self.hash
    }

    /// Whether `sig` is this key's signature of `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
        sig.len() == 64
            && UnparsedPublicKey::new(&ED25519, &self.key)
                .verify(msg, sig)
                .is_ok()
    }

    /// The verifier key text.
    pub fn encode(&self) -> String {
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(&self.key);
        format!("{}+{:08x}+{}", self.name, self.hash, STANDARD.encode(key))
    }
}

/// A signer: a key name, its hash and an Ed25519 private key. modsnap
/// verifies databases; signing is for test databases and tools.
pub struct Signer {
    name: String,
    hash: u32,
    pair: aws_lc_rs::signature::Ed25519KeyPair,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.hash)
    }
}

impl Signer {
    /// Parses a signer key `PRIVATE+KEY+<name>+<hash>+<base64 seed>`.
    pub fn parse(skey: &str) -> Result<Signer, NoteError> {
        let fields: Vec<&str> = skey.splitn(5, '+').collect();
        let [priv_, key_, name, hash, b64] = fields[..] else {
            return Err(NoteError::MalformedVerifier);
        };
        if priv_ != "PRIVATE" || key_ != "KEY" {
            return Err(NoteError::MalformedVerifier);
        }
        let (hash, key) = key_parts(name, hash, b64)?;
        if key[0] != ALG_ED25519 {
            return Err(NoteError::UnknownAlgorithm);
        }
        let seed: [u8; 32] = key[1..].try_into().map_err(|_| NoteError::BadKeyLength)?;
        let signer = Signer::from_seed(name, &seed)?;
        if signer.hash != hash {
            return Err(NoteError::BadKeyHash);
        }
        Ok(signer)
    }

    /// The signer whose Ed25519 seed is `seed`.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Signer, NoteError> {
        use aws_lc_rs::signature::KeyPair as _;
        if !is_valid_name(name) {
            return Err(NoteError::InvalidSigner);
        }
        let pair = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| NoteError::MalformedVerifier)?;
        let mut key = vec![ALG_ED25519];
        key.extend_from_slice(pair.public_key().as_ref());
        Ok(Signer {
            name: name.to_string(),
            hash: key_hash(name, &key),
            pair,
        })
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        use aws_lc_rs::signature::KeyPair as _;
        let mut key = [0u8; 32];
        key.copy_from_slice(self.pair.public_key().as_ref());
        Verifier {
            name: self.name.clone(),
            hash: self.hash,
            key,
        }
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key hash.
    pub fn key_hash(&self) -> u32 {
        self.hash
    }

    /// The Ed25519 signature of `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.pair.sign(msg).as_ref());
        out
    }
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The signing key's name.
    pub name: String,
    /// Its hash.
    pub hash: u32,
    /// The signature line's base64 (key hash and signature).
    pub base64: String,
}

/// An opened note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text, ending in a newline.
    pub text: String,
    /// Signatures by known keys, all verified.
    pub sigs: Vec<Signature>,
    /// Signatures by unknown keys.
    pub unverified: Vec<Signature>,
}

/// The known verifiers of an [`open`].
#[derive(Debug, Clone, Default)]
pub struct Verifiers(Vec<Verifier>);

impl Verifiers {
    /// These verifiers.
    pub fn new(list: Vec<Verifier>) -> Verifiers {
        Verifiers(list)
    }

    /// The verifier for `name` and `hash` (Go's `VerifierList` lookup: a
    /// key listed twice is ambiguous only when asked for).
    pub fn verifier(&self, name: &str, hash: u32) -> Result<&Verifier, NoteError> {
        let mut found = self.0.iter().filter(|v| v.name == name && v.hash == hash);
        match (found.next(), found.next()) {
            (None, _) => Err(NoteError::UnknownKey {
                name: name.to_string(),
                hash,
            }),
            (Some(v), None) => Ok(v),
            (Some(_), Some(_)) => Err(NoteError::Ambiguous {
                name: name.to_string(),
                hash,
            }),
        }
    }
}

/// The text of `msg` (everything before the signatures), signatures *not*
/// checked: for decisions that do not trust it (which of two bundles is
/// newer); anything trusted goes through [`open`].
pub fn text_unverified(msg: &[u8]) -> Option<&[u8]> {
    let split = msg.windows(2).rposition(|w| w == b"\n\n")?;
    Some(&msg[..split + 1])
}

/// Opens `msg`, checking its signatures against `known`.
pub fn open(msg: &[u8], known: &Verifiers) -> Result<Note, NoteError> {
    let text = std::str::from_utf8(msg).map_err(|_| NoteError::Malformed)?;
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed);
    }
    let split = text.rfind("\n\n").ok_or(NoteError::Malformed)?;
    let (body, mut sigs) = (&text[..split + 1], &text[split + 2..]);
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed);
    }
    let mut note = Note {
        text: body.to_string(),
        sigs: Vec::new(),
        unverified: Vec::new(),
    };
    let mut seen: Vec<(String, u32)> = Vec::new();
    let mut seen_unverified: Vec<String> = Vec::new();
    let mut count = 0;
    while let Some(i) = sigs.find('\n') {
        let line = &sigs[..i];
        sigs = &sigs[i + 1..];
        let line = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed)?;
        let (name, b64) = line.split_once(' ').unwrap_or((line, ""));
        let raw = STANDARD.decode(b64);
        let raw = match raw {
            Ok(r) if is_valid_name(name) && !b64.is_empty() && r.len() >= 5 => r,
            _ => return Err(NoteError::Malformed),
        };
        let hash = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        count += 1;
        if count > 100 {
            return Err(NoteError::Malformed);
        }
        let v = match known.verifier(name, hash) {
            Ok(v) => v,
            Err(NoteError::UnknownKey { .. }) => {
                if !seen_unverified.iter().any(|l| l == line) {
                    seen_unverified.push(line.to_string());
                    note.unverified.push(Signature {
                        name: name.to_string(),
                        hash,
                        base64: b64.to_string(),
                    });
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        if seen.iter().any(|(n, h)| n == name && *h == hash) {
            continue;
        }
        seen.push((name.to_string(), hash));
        if !v.verify(body.as_bytes(), &raw[4..]) {
            return Err(NoteError::InvalidSignature {
                name: name.to_string(),
                hash,
            });
        }
        note.sigs.push(Signature {
            name: name.to_string(),
            hash,
            base64: b64.to_string(),
        });
    }
    if note.sigs.is_empty() {
        return Err(NoteError::Unverified);
    }
    Ok(note)
}

/// Signs `note` with `signers`: its text, a blank line, the existing
/// signatures not replaced by a signer's key, then the new signatures (Go's
/// `note.Sign`).
pub fn sign(note: &Note, signers: &[&Signer]) -> Result<String, NoteError> {
    if !note.text.ends_with('\n') {
        return Err(NoteError::Malformed);
    }
    let mut new_sigs = String::new();
    for s in signers {
        if !is_valid_name(&s.name) {
            return Err(NoteError::InvalidSigner);
        }
        let mut raw = s.hash.to_be_bytes().to_vec();
        raw.extend_from_slice(&s.sign(note.text.as_bytes()));
        new_sigs.push_str(&format!(
            "{SIG_PREFIX}{} {}\n",
            s.name,
            STANDARD.encode(raw)
        ));
    }
    let mut out = note.text.clone();
    out.push('\n');
    for sig in note.sigs.iter().chain(&note.unverified) {
        if !is_valid_name(&sig.name) {
            return Err(NoteError::Malformed);
        }
        if signers
            .iter()
            .any(|s| s.name == sig.name && s.hash == sig.hash)
        {
            continue;
        }
        match STANDARD.decode(&sig.base64) {
            Ok(raw)
                if raw.len() >= 4
                    && u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) == sig.hash => {}
            _ => return Err(NoteError::Malformed),
        }
        out.push_str(&format!("{SIG_PREFIX}{} {}\n", sig.name, sig.base64));
    }
    out.push_str(&new_sigs);
    Ok(out)
}
