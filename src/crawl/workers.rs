//! Fixed pools of named OS threads for the crawl's blocking work: decoding and extracting pages (one thread
//! per core) and writing to the store (one thread, so batches land in the order they were queued).
//!
//! Tokio's blocking pool starts a new thread whenever none is idle at the instant a task arrives, and a
//! page finishing on one thread while the next is queued is exactly that instant: a crawl grew a dozen
//! blocking threads for two cores' worth of work. Every thread that allocates gets its own glibc arena,
//! which keeps the memory it once held. A fixed pool keeps the threads, and so the arenas, to the work's
//! real parallelism.
//!
//! Threads start on the first job and stop when the last handle is dropped (the queue closes, each thread
//! finishes the job it holds, and the drop joins them). A job that panics fails that job only.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a job gave no result.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The pool could not start its threads.
    #[error("starting the {pool} worker threads: {source}")]
    Start {
        /// The pool's name.
        pool: String,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The job panicked; the message is the panic's.
    #[error("{pool} worker job panicked: {message}")]
    Panicked {
        /// The pool's name.
        pool: String,
        /// The panic message.
        message: String,
    },
    /// The pool stopped before the job ran.
    #[error("the {pool} workers stopped before the job ran")]
    Stopped {
        /// The pool's name.
        pool: String,
    },
}

/// A pool of `threads` named threads; cloning shares it.
#[derive(Clone)]
pub struct Workers {
    inner: Arc<Pool>,
}

struct Pool {
    name: String,
    size: usize,
    /// `None` once the pool is shutting down.
    queue: Mutex<Option<mpsc::Sender<Job>>>,
    /// The receiving end, shared by the threads (each holds the lock only to take the next job).
    jobs: Arc<Mutex<mpsc::Receiver<Job>>>,
    /// Empty until the first job starts the threads.
    threads: Mutex<Vec<JoinHandle<()>>>,
}

/// A job's result to come (the job is already queued).
pub struct Pending<T> {
    pool: String,
    rx: oneshot::Receiver<Result<T, String>>,
}

impl<T> Pending<T> {
    /// Waits for the job.
    ///
    /// # Errors
    /// [`WorkerError::Panicked`] when the job panicked, [`WorkerError::Stopped`] when the pool stopped first.
    pub async fn wait(self) -> Result<T, WorkerError> {
        match self.rx.await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(message)) => Err(WorkerError::Panicked {
                pool: self.pool,
                message,
            }),
            Err(_) => Err(WorkerError::Stopped { pool: self.pool }),
        }
    }
}

impl Workers {
    /// A pool named `name` (its threads are `unionwire-NAME-I`) of `threads` threads (at least one).
    #[must_use]
    pub fn new(name: &str, threads: usize) -> Self {
        let (tx, rx) = mpsc::channel();
        Self {
            inner: Arc::new(Pool {
                name: name.to_owned(),
                size: threads.max(1),
                queue: Mutex::new(Some(tx)),
                jobs: Arc::new(Mutex::new(rx)),
                threads: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Queues `work` now and returns its result to come. Jobs start in the order they are queued.
    ///
    /// # Errors
    /// [`WorkerError::Start`] when the threads cannot be started, [`WorkerError::Stopped`] after shutdown.
    pub fn submit<T, F>(&self, work: F) -> Result<Pending<T>, WorkerError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.start()?;
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let out = std::panic::catch_unwind(AssertUnwindSafe(work)).map_err(panic_message);
            // The caller may have stopped waiting (a cancelled crawl): the result is not needed then.
            let _ = tx.send(out);
        });
        let queue = self
            .inner
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let stopped = || WorkerError::Stopped {
            pool: self.inner.name.clone(),
        };
        queue
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())?;
        Ok(Pending {
            pool: self.inner.name.clone(),
            rx,
        })
    }

    /// Runs `work` on the pool and waits for it.
    ///
    /// # Errors
    /// As [`Workers::submit`] and [`Pending::wait`].
    pub async fn run<T, F>(&self, work: F) -> Result<T, WorkerError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.submit(work)?.wait().await
    }

    /// Starts the threads on first use.
    fn start(&self) -> Result<(), WorkerError> {
        let mut threads = self
            .inner
            .threads
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !threads.is_empty() {
            return Ok(());
        }
        for i in 0..self.inner.size {
            let jobs = self.inner.jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("unionwire-{}-{i}", self.inner.name))
                .spawn(move || work_loop(&jobs));
            match spawned {
                Ok(t) => threads.push(t),
                // With no thread no job could ever run; the next submit tries again.
                Err(source) if threads.is_empty() => {
                    return Err(WorkerError::Start {
                        pool: self.inner.name.clone(),
                        source,
                    });
                }
                // The threads already started serve the queue.
                Err(e) => {
                    tracing::warn!(pool = %self.inner.name, error = %e, "fewer worker threads than asked");
                    break;
                }
            }
        }
        Ok(())
    }
}

fn work_loop(rx: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // Hold the lock only to take the next job, not while running it.
        let job = rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return, // the queue closed: shutting down
        }
    }
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the queue ends each thread after the jobs already queued.
        self.queue
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let threads = std::mem::take(
            self.threads
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let me = std::thread::current().id();
        for t in threads {
            // A job holding the last handle drops the pool on one of its own threads: that one cannot join itself.
            if t.thread().id() != me {
                let _ = t.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_named_threads_and_results_come_back() {
        let w = Workers::new("test", 2);
        let name = w
            .run(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert!(name.unwrap().starts_with("unionwire-test-"));
        assert_eq!(w.run(|| 6 * 7).await.unwrap(), 42);
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let w = Workers::new("test", 1);
        let err = w.run(|| -> u8 { panic!("bad page") }).await.unwrap_err();
        assert!(err.to_string().contains("bad page"), "{err}");
        // The single thread survived the panic.
        assert_eq!(w.run(|| 1).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn one_thread_keeps_the_queue_order() {
        let w = Workers::new("test", 1);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let pending: Vec<_> = (0..50)
            .map(|i| {
                let seen = seen.clone();
                w.submit(move || seen.lock().unwrap().push(i)).unwrap()
            })
            .collect();
        for p in pending {
            p.wait().await.unwrap();
        }
        assert_eq!(*seen.lock().unwrap(), (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn dropping_the_pool_finishes_queued_jobs_and_joins() {
        let w = Workers::new("test", 2);
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..20 {
            let done = done.clone();
            // Not waited for: the drop must still let them finish.
            let _ = w
                .submit(move || {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                })
                .unwrap();
        }
        drop(w);
        assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 20);
    }
}
