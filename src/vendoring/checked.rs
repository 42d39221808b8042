//! Every byte a vendor run reads from a [`ModuleSource`] is checked the way
//! the go command checks what it downloads (cmd/go modfetch `checkMod`,
//! `checkGoMod`): a go.mod must hash to the project's `/go.mod` line, a
//! module zip must obey the module zip rules and hash to its zip line, and
//! a module with no go.sum line is refused (`missing go.sum entry`). This is
//! the one verification path of `vendor`, whatever the source — an archive
//! read in place, an unpacked archive, or a GOPROXY tree on disk.
//!
//! go.mod files are checked when read. Zips are checked on worker threads
//! while the vendor run goes on reading from them; [`Checked::settle`] waits
//! for every check and is called before the new vendor tree is swapped into
//! place, so nothing that failed a check ever reaches `vendor/`.
//!
//! When the source keeps the digest of each entry of a zip (an archive's
//! manifest, [`ModuleSource::zip_file_digests`]), the zip is checked one
//! file at a time instead: the list, with the zip's entry names, must hash
//! to go.sum's line (so each digest in it is as good as go.sum's), and each
//! entry the run reads is hashed whole and must match its digest. The
//! files a vendor tree does not use are then never inflated — about 8 in
//! 9 of the bytes for bench/project — and every byte that is used is still
//! checked against go.sum.
//!
//! Not here: checking an archive against its own manifest (the archive
//! reader does that) or the checksum database.

use std::collections::{HashMap, HashSet};
use std::io::Seek as _;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, mpsc};

use super::source::{EntryCheck, ModuleSource, OpenedZip, SourceError};
use super::{ChecksumMismatch, VendorError};
use crate::dirhash;
use crate::gosum::GoSum;
use crate::module::{self, ModVersion};
use crate::modzip;

/// The start of the message for a go.mod without a go.sum line.
pub(crate) const MISSING_GO_MOD_SUM: &str = "missing go.sum entry for go.mod file";

/// A source whose every read is checked against `gosum`.
pub(crate) struct Checked<'a> {
    inner: &'a dyn ModuleSource,
    gosum: &'a GoSum,
    queued: Mutex<HashSet<ModVersion>>,
    sender: Mutex<Option<mpsc::Sender<ModVersion>>>,
    receiver: Mutex<mpsc::Receiver<ModVersion>>,
    pending: Mutex<usize>,
    idle: Condvar,
    failure: Mutex<Option<VendorError>>,
    /// The zips checked one file at a time, by module.
    listed: Mutex<HashMap<ModVersion, Arc<Listed>>>,
}

/// A zip's entry digests as its source keeps them, what was read of each
/// entry, and the first entry read that did not match.
struct Listed {
    module: String,
    location: PathBuf,
    digests: crate::dirhash::FileDigests,
    /// What was read: entries checked whole, and entries read only in part
    /// (by name) and not checked yet.
    read: Mutex<Reads>,
    failure: Mutex<Option<VendorError>>,
}

#[derive(Default)]
struct Reads {
    checked: HashSet<usize>,
    in_part: std::collections::BTreeMap<usize, String>,
}

impl Listed {
    /// The entries read in part and never checked whole.
    fn unchecked(&self) -> Result<Vec<(usize, String)>, VendorError> {
        let read = self
            .read
            .lock()
            .map_err(|_| VendorError::Internal("zip check state poisoned".into()))?;
        Ok(read.in_part.iter().map(|(i, n)| (*i, n.clone())).collect())
    }

    fn mark_checked(&self, index: usize) {
        if let Ok(mut read) = self.read.lock() {
            read.checked.insert(index);
            read.in_part.remove(&index);
        }
    }

    fn fail(&self, e: VendorError) {
        if let Ok(mut f) = self.failure.lock() {
            f.get_or_insert(e);
        }
    }

    fn mismatch(&self, name: &str) -> (String, VendorError) {
        let detail = format!(
            "file {}: its contents do not match the digest listed for it (the archive was tampered with or damaged)",
            module::quote(name)
        );
        let e = VendorError::BadZip {
            module: self.module.clone(),
            location: self.location.clone(),
            detail: detail.clone(),
        };
        (detail, e)
    }
}

impl EntryCheck for Listed {
    fn read_in_part(&self, index: usize, name: &str) {
        if let Ok(mut read) = self.read.lock()
            && !read.checked.contains(&index)
        {
            read.in_part.insert(index, name.to_string());
        }
    }

    fn check(&self, index: usize, name: &str, digest: [u8; 32]) -> std::io::Result<()> {
        if self.digests.get(index) == Some(&digest) {
            self.mark_checked(index);
            return Ok(());
        }
        let (detail, e) = self.mismatch(name);
        self.fail(e);
        Err(std::io::Error::new(std::io::ErrorKind::InvalidData, detail))
    }

    fn unreadable(&self, _index: usize, name: &str, error: &str) {
        self.fail(VendorError::BadZip {
            module: self.module.clone(),
            location: self.location.clone(),
            detail: format!("file {}: {error}", module::quote(name)),
        });
    }
}

impl<'a> Checked<'a> {
    pub(crate) fn new(inner: &'a dyn ModuleSource, gosum: &'a GoSum) -> Checked<'a> {
        let (tx, rx) = mpsc::channel();
        Checked {
            inner,
            gosum,
            queued: Mutex::new(HashSet::new()),
            sender: Mutex::new(Some(tx)),
            receiver: Mutex::new(rx),
            pending: Mutex::new(0),
            idle: Condvar::new(),
            failure: Mutex::new(None),
            listed: Mutex::new(HashMap::new()),
        }
    }

    /// `m`'s entry digests, when its source keeps them (the same list for
    /// the check and for every tree reading the zip).
    fn listed(
        &self,
        m: &ModVersion,
        location: &std::path::Path,
    ) -> Result<Option<Arc<Listed>>, VendorError> {
        let mut map = self
            .listed
            .lock()
            .map_err(|_| VendorError::Internal("zip check state poisoned".into()))?;
        if let Some(l) = map.get(m) {
            return Ok(Some(l.clone()));
        }
        let digests = match self.inner.zip_file_digests(m) {
            None => return Ok(None),
            Some(Ok(d)) => d,
            Some(Err(detail)) => {
                return Err(VendorError::BadZip {
                    module: m.to_string(),
                    location: location.to_owned(),
                    detail,
                });
            }
        };
        let l = Arc::new(Listed {
            module: m.to_string(),
            location: location.to_owned(),
            read: Mutex::new(Reads::default()),
            digests,
            failure: Mutex::new(None),
        });
        map.insert(m.clone(), l.clone());
        Ok(Some(l))
    }

    /// Runs queued zip checks until [`Checked::close`]; one call per worker
    /// thread.
    pub(crate) fn work(&self) {
        loop {
            let next = match self.receiver.lock() {
                Ok(rx) => rx.recv(),
                Err(_) => return,
            };
            let Ok(m) = next else { return };
            let failed = self.failure.lock().map(|f| f.is_some()).unwrap_or(true);
            if !failed
                && let Err(e) = self.check_zip(&m)
                && let Ok(mut f) = self.failure.lock()
            {
                f.get_or_insert(e);
            }
            if let Ok(mut n) = self.pending.lock() {
                *n = n.saturating_sub(1);
                self.idle.notify_all();
            }
        }
    }

    /// Stops the workers once the queue is drained.
    pub(crate) fn close(&self) {
        if let Ok(mut s) = self.sender.lock() {
            s.take();
        }
    }

    /// Waits for every queued check; the first failure, if any.
    pub(crate) fn settle(&self) -> Result<(), VendorError> {
        let mut n = self
            .pending
            .lock()
            .map_err(|_| VendorError::Internal("zip check state poisoned".into()))?;
        while *n > 0 {
            n = self
                .idle
                .wait(n)
                .map_err(|_| VendorError::Internal("zip check state poisoned".into()))?;
        }
        drop(n);
        match self.failure.lock() {
            Ok(mut f) => {
                if let Some(e) = f.take() {
                    return Err(e);
                }
            }
            Err(_) => return Err(VendorError::Internal("zip check state poisoned".into())),
        }
        let listed: Vec<(ModVersion, Arc<Listed>)> = self
            .listed
            .lock()
            .map_err(|_| VendorError::Internal("zip check state poisoned".into()))?
            .iter()
            .map(|(m, l)| (m.clone(), l.clone()))
            .collect();
        for (_, l) in &listed {
            if let Some(e) = l.failure.lock().ok().and_then(|mut f| f.take()) {
                return Err(e);
            }
        }
        // The heads read and never copied: hashed whole now, a zip per core.
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        crate::parallel::map(&listed, workers, |(m, l)| {
            let unchecked = l.unchecked()?;
            if unchecked.is_empty() {
                return Ok(());
            }
            let opened = self.inner.open_zip(m)?;
            let indices: Vec<usize> = unchecked.iter().map(|u| u.0).collect();
            let digests = dirhash::entry_digests(opened.bytes, &opened.location, &indices)
                .map_err(|e| VendorError::BadZip {
                    module: m.to_string(),
                    location: opened.location.clone(),
                    detail: e.to_string(),
                })?;
            for ((i, d), (_, name)) in digests.into_iter().zip(&unchecked) {
                if l.digests.get(i) != Some(&d) {
                    return Err(l.mismatch(name).1);
                }
                l.mark_checked(i);
            }
            Ok::<_, VendorError>(())
        })?;
        Ok(())
    }

    fn check_zip(&self, m: &ModVersion) -> Result<(), VendorError> {
        self.inner.verify_zip(m)?;
        if self.inner.zip_verified(m) {
            return Ok(());
        }
        let opened = self.inner.open_zip(m)?;
        let location = opened.location.clone();
        let mut bytes = opened.bytes;
        let bad = |detail: String| VendorError::BadZip {
            module: m.to_string(),
            location: location.clone(),
            detail,
        };
        let report =
            modzip::check_zip_reader(m, &mut bytes, &location).map_err(|e| bad(e.to_string()))?;
        if let Some(text) = report.error_text() {
            let first = text.lines().next().unwrap_or_default().to_string();
            return Err(bad(format!(
                "it breaks the module zip rules: {}",
                module::quote(&first)
            )));
        }
        bytes
            .seek(std::io::SeekFrom::Start(0))
            .map_err(|e| bad(e.to_string()))?;
        let listed = self.listed(m, &location)?;
        let got = match &listed {
            Some(l) => dirhash::hash_listed_zip(bytes, &location, &l.digests),
            None => dirhash::hash_zip(bytes, &location),
        }
        .map_err(|e| bad(e.to_string()))?;
        let want = self.gosum.zip_hash(&m.path, &m.version).unwrap_or_default();
        if got != want {
            return Err(VendorError::Checksum(Box::new(ChecksumMismatch {
                module: m.to_string(),
                what: if listed.is_some() {
                    "zip, by the digests the archive lists for its files"
                } else {
                    "zip"
                },
                location,
                got,
                want: want.to_string(),
                gosum: self.sum_file(m, false),
            })));
        }
        Ok(())
    }

    fn sum_file(&self, m: &ModVersion, go_mod: bool) -> String {
        let file = if go_mod {
            self.gosum.go_mod_hash_file(&m.path, &m.version)
        } else {
            self.gosum.zip_hash_file(&m.path, &m.version)
        };
        file.unwrap_or("go.sum").to_string()
    }

    fn missing(m: &ModVersion, what: &'static str) -> SourceError {
        SourceError::new(
            m.to_string(),
            format!(
                "missing go.sum entry for {what}; to add it: go mod download {}",
                m.path
            ),
        )
    }
}

impl ModuleSource for Checked<'_> {
    fn go_mod(&self, m: &ModVersion) -> Result<Vec<u8>, SourceError> {
        let Some(want) = self.gosum.go_mod_hash(&m.path, &m.version) else {
            return Err(SourceError::new(
                m.to_string(),
                format!(
                    "{MISSING_GO_MOD_SUM}; to add it: go mod download {}",
                    m.path
                ),
            ));
        };
        let data = self.inner.go_mod(m)?;
        let got = dirhash::hash_go_mod(&data);
        if got != want {
            let e = VendorError::Checksum(Box::new(ChecksumMismatch {
                module: format!("{m}/go.mod"),
                what: "go.mod",
                location: PathBuf::from(format!("{m}.mod")),
                got,
                want: want.to_string(),
                gosum: self.sum_file(m, true),
            }));
            return Err(SourceError::caused_by(m, e));
        }
        Ok(data)
    }

    fn open_zip(&self, m: &ModVersion) -> Result<OpenedZip, SourceError> {
        if self.gosum.zip_hash(&m.path, &m.version).is_none() {
            return Err(Self::missing(m, "module providing its packages"));
        }
        let first = self.queued.lock().is_ok_and(|mut q| q.insert(m.clone()));
        if first {
            let sent = self.sender.lock().ok().and_then(|s| {
                s.as_ref().map(|s| {
                    if let Ok(mut n) = self.pending.lock() {
                        *n += 1;
                    }
                    s.send(m.clone()).is_ok()
                })
            });
            if sent != Some(true) {
                // No worker: check here and now.
                if let Ok(mut n) = self.pending.lock()
                    && sent == Some(false)
                {
                    *n = n.saturating_sub(1);
                }
                if let Err(e) = self.check_zip(m) {
                    return Err(SourceError::caused_by(m, e));
                }
            }
        }
        let mut zip = self.inner.open_zip(m)?;
        let listed = self
            .listed(m, &zip.location)
            .map_err(|e| SourceError::caused_by(m, e))?;
        if let Some(l) = listed {
            zip.entries = Some(l);
        }
        Ok(zip)
    }
}

/// Closes a [`Checked`]'s queue when dropped (see [`Checked::close`]).
pub(crate) struct CloseOnDrop<'c, 'a>(pub(crate) &'c Checked<'a>);

impl Drop for CloseOnDrop<'_, '_> {
    fn drop(&mut self) {
        self.0.close();
    }
}
