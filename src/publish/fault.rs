//! Hidden switches for the crash tests (`tests/publish.rs`), read from the environment once per
//! publish. `SITE_FAULT=<point>` makes the process kill itself with SIGKILL at a named point of
//! publishing, or after its N-th file-system operation (`ops:<N>`: each file written, link,
//! folder made, rename and removal counts one); `SITE_PUBLISH_OPS=1` prints how many operations
//! a publish made, so a test can draw kill points across the whole range. A killed process gets
//! no chance to clean up, which is the point: the next build must.

use crate::diagnostic::Diagnostic;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A named place to be killed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// After half as many outputs as the last build published are staged.
    MidStaging,
    /// Everything staged (written and linked), before the record.
    AfterStaging,
    /// Half of the record's temporary file written.
    Record,
    /// Between the two renames of the fallback swap (the output folder is missing).
    BetweenRenames,
    /// The swap done, the previous site not removed yet.
    AfterSwap,
}

/// The faults asked for, and the count of operations so far.
#[derive(Debug, Default)]
pub struct Faults {
    point: Option<Point>,
    /// Kill after this many operations.
    after_ops: Option<usize>,
    ops: AtomicUsize,
    /// Print the count when publishing ends.
    print: bool,
}

impl Faults {
    /// The faults `SITE_FAULT` and `SITE_PUBLISH_OPS` ask for.
    pub fn from_env() -> Result<Self, Diagnostic> {
        let mut faults = Self {
            print: std::env::var_os("SITE_PUBLISH_OPS").is_some(),
            ..Self::default()
        };
        let Some(value) = std::env::var_os("SITE_FAULT") else {
            return Ok(faults);
        };
        let value = value.to_string_lossy();
        match value.as_ref() {
            "mid-staging" => faults.point = Some(Point::MidStaging),
            "after-staging" => faults.point = Some(Point::AfterStaging),
            "record" => faults.point = Some(Point::Record),
            "between-renames" => faults.point = Some(Point::BetweenRenames),
            "after-swap" => faults.point = Some(Point::AfterSwap),
            other => match other.strip_prefix("ops:").map(str::parse) {
                Some(Ok(n)) => faults.after_ops = Some(n),
                _ => {
                    return Err(Diagnostic::error(
                        "SITE_FAULT",
                        "publish",
                        format!("unknown fault `{other}`"),
                    )
                    .help("use mid-staging, after-staging, record, between-renames, after-swap or ops:<N>"))
                }
            },
        }
        Ok(faults)
    }

    /// Whether the process is to be killed at `point`.
    pub fn wants(&self, point: Point) -> bool {
        self.point == Some(point)
    }

    /// Kills the process if it is to be killed at `point`.
    pub fn at(&self, point: Point) {
        if self.wants(point) {
            kill();
        }
    }

    /// Counts one file-system operation, done; kills the process after the chosen one.
    pub fn op(&self) {
        let n = self.ops.fetch_add(1, Ordering::SeqCst) + 1;
        if self.after_ops == Some(n) {
            kill();
        }
    }

    /// Prints the count of operations when `SITE_PUBLISH_OPS` is set.
    pub fn report(&self) {
        if self.print {
            eprintln!(
                "publish: {} file operations",
                self.ops.load(Ordering::SeqCst)
            );
        }
    }
}

/// Ends the process the way a crash or `kill -9` does: at once, nothing cleaned up.
pub fn kill() -> ! {
    // SAFETY: getpid and kill have no preconditions; SIGKILL cannot be caught, so nothing of
    // this process runs after it is delivered.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    // Delivery to oneself is immediate, but in case it is not, nothing more may happen here.
    loop {
        std::thread::park();
    }
}
