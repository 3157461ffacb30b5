//! Running the checks: `concurrency` threads take jobs from one queue, never more than
//! `per_host` at a time to one host, so a site with many links to one publisher is not
//! hammered. PubMed ids go in batches, one job each.

use super::{http, registry, ExternalOptions, Outcome, Target};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Condvar, Mutex, PoisonError};

/// One unit of work.
enum Job {
    Url(String),
    Doi(String),
    Pmids(Vec<String>),
}

struct Pending {
    jobs: VecDeque<(String, Job)>,
    busy: HashMap<String, usize>,
}

struct Queue {
    pending: Mutex<Pending>,
    changed: Condvar,
    per_host: usize,
}

impl Queue {
    /// The next job whose host has a free slot, waiting for one to free up; `None` when all
    /// are taken.
    fn take(&self) -> Option<(String, Job)> {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if pending.jobs.is_empty() {
                return None;
            }
            let free = pending
                .jobs
                .iter()
                .position(|(host, _)| pending.busy.get(host).copied().unwrap_or(0) < self.per_host);
            if let Some(job) = free.and_then(|i| pending.jobs.remove(i)) {
                *pending.busy.entry(job.0.clone()).or_default() += 1;
                return Some(job);
            }
            pending = self
                .changed
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn done(&self, host: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(busy) = pending.busy.get_mut(host) {
            *busy = busy.saturating_sub(1);
        }
        self.changed.notify_all();
    }
}

/// Checks every target; each comes back with its outcome.
pub(super) fn run(targets: &[Target], options: &ExternalOptions) -> BTreeMap<Target, Outcome> {
    let doi_host = http::host(&options.doi_api).unwrap_or_default();
    let pubmed_host = http::host(&options.pubmed_api).unwrap_or_default();
    let mut jobs = VecDeque::new();
    let mut pmids = Vec::new();
    let mut results = BTreeMap::new();
    for target in targets {
        match target {
            Target::Url(url) => match http::host(url) {
                Some(host) => jobs.push_back((host, Job::Url(url.clone()))),
                None => {
                    let detail = "it has no host name".to_owned();
                    results.insert(target.clone(), Outcome::Invalid { detail });
                }
            },
            Target::Doi(doi) => jobs.push_back((doi_host.clone(), Job::Doi(doi.clone()))),
            Target::Pmid(id) => pmids.push(id.clone()),
        }
    }
    for batch in pmids.chunks(registry::PUBMED_BATCH) {
        jobs.push_back((pubmed_host.clone(), Job::Pmids(batch.to_vec())));
    }
    let threads = options.concurrency.clamp(1, jobs.len().max(1));
    let queue = Queue {
        pending: Mutex::new(Pending {
            jobs,
            busy: HashMap::new(),
        }),
        changed: Condvar::new(),
        per_host: options.per_host.max(1),
    };
    let found = Mutex::new(results);
    let agent = http::agent(options);
    let rate = registry::RateLimit::new(options.pubmed_per_second);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some((host, job)) = queue.take() {
                    let outcomes: Vec<(Target, Outcome)> = match job {
                        Job::Url(url) => {
                            let outcome = http::probe(&agent, &url, options);
                            vec![(Target::Url(url), outcome)]
                        }
                        Job::Doi(doi) => {
                            let outcome = registry::doi(&agent, &doi, options);
                            vec![(Target::Doi(doi), outcome)]
                        }
                        Job::Pmids(ids) => {
                            let outcomes = registry::pubmed(&agent, &ids, options, &rate);
                            ids.into_iter().map(Target::Pmid).zip(outcomes).collect()
                        }
                    };
                    found
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend(outcomes);
                    queue.done(&host);
                }
            });
        }
    });
    found.into_inner().unwrap_or_else(PoisonError::into_inner)
}
