//! Progress on stderr: a bar when stderr is a terminal, nothing otherwise
//! (or when `MODSNAP_NO_PROGRESS` is set).

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::ops::progress::Reporter;

/// An indicatif progress bar implementing the snapshot [`Reporter`].
pub struct Bar {
    bar: ProgressBar,
    bytes: Mutex<u64>,
    started: std::time::Instant,
}

impl Bar {
    /// A bar drawn on stderr when it is a terminal, else hidden.
    pub fn new(quiet: bool) -> Bar {
        let visible = !quiet
            && !super::quiet()
            && std::io::stderr().is_terminal()
            && !crate::env::is_set("MODSNAP_NO_PROGRESS");
        let bar = ProgressBar::with_draw_target(
            Some(0),
            if visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar {
            bar,
            bytes: Mutex::new(0),
            started: std::time::Instant::now(),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn human(n: u64) -> String {
    super::human_bytes(n)
}

impl Reporter for Bar {
    fn phase(&self, name: &str, total: u64) {
        // `MODSNAP_LOG=modsnap::phase=debug`: when each phase starts.
        tracing::debug!(
            target: "modsnap::phase",
            "{name} at {:.3} s",
            self.started.elapsed().as_secs_f64()
        );
        self.bar.set_prefix(name.to_string());
        self.bar.set_position(0);
        self.bar.set_length(total);
    }

    fn item_done(&self) {
        if self.bar.length().unwrap_or(0) <= self.bar.position() {
            self.bar.inc_length(1);
        }
        self.bar.inc(1);
    }

    fn bytes(&self, n: u64) {
        if let Ok(mut b) = self.bytes.lock() {
            *b += n;
            let secs = self.bar.elapsed().as_secs_f64().max(0.001);
            self.bar.set_message(format!(
                "{} downloaded, {}/s",
                human(*b),
                human((*b as f64 / secs) as u64)
            ));
        }
    }
}
