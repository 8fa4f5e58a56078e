//! A pool of long-lived threads that run CloudFront Functions for an async server (issue 10 item
//! 3, issue 5 item 5). A run is synchronous JavaScript that may spin until its budget stops it;
//! on a server's own worker threads a few hostile runs at once would hold every worker, and the
//! requests of other behaviors would queue behind them. The server hands runs to these threads
//! instead and awaits the answer, so its workers stay free.
//!
//! Each thread owns its [`ContextCache`] as a plain local and lives until the pool is dropped
//! (in the proxy: never), so boa contexts are only ever dropped by a live thread, never by a
//! thread-local destructor at thread exit (dropping them there corrupted the heap when runs went
//! to tokio's blocking pool, whose idle threads exit). Runs wait in one shared queue and the
//! first idle thread takes the next, in arrival order; a run whose caller has gone (the viewer
//! disconnected) is skipped. A thread that finds the queue empty first reloads the context a run
//! left changed and had dropped ([`ContextCache::reload_dropped`]), so that the function's next run
//! finds a fresh context ready instead of waiting for one.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use localfront_events::cff;
use tokio::sync::oneshot;

use crate::error::{ExecutionError, FunctionError};
use crate::functions::{ContextCache, Functions, Invocation, InvokeOptions};

/// One run handed to the pool.
struct Job {
    functions: Functions,
    name: String,
    event: cff::Event,
    options: InvokeOptions,
    reply: oneshot::Sender<Result<Invocation, FunctionError>>,
}

/// Threads named `{prefix}-{n}` that run CloudFront Functions handed to them by
/// [`FunctionThreads::invoke`]. Dropping the pool lets its threads finish and exit.
pub struct FunctionThreads {
    jobs: Sender<Job>,
    threads: usize,
}

impl FunctionThreads {
    /// Starts `threads` threads (at least one) named `{prefix}-0`, `{prefix}-1`…
    pub fn start(prefix: &str, threads: usize) -> io::Result<FunctionThreads> {
        let threads = threads.max(1);
        let (jobs, queue) = crossbeam_channel::unbounded();
        for n in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("{prefix}-{n}"))
                .spawn(move || serve(&queue))?;
        }
        Ok(FunctionThreads { jobs, threads })
    }

    /// How many threads the pool runs.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs function `name` of `functions` on `event` on one of the pool's threads and waits for
    /// the outcome without blocking the caller's thread. A run that panics (a runtime bug, not
    /// the function's doing) is an `InternalError` execution error; the thread carries on.
    pub async fn invoke(
        &self,
        functions: &Functions,
        name: &str,
        event: cff::Event,
        options: InvokeOptions,
    ) -> Result<Invocation, FunctionError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            functions: functions.clone(),
            name: name.to_owned(),
            event,
            options,
            reply,
        };
        if self.jobs.send(job).is_err() {
            return Err(internal_error(name));
        }
        answer.await.unwrap_or_else(|_| Err(internal_error(name)))
    }
}

/// A pool thread: takes runs until the pool is dropped, with its own warm contexts.
fn serve(queue: &Receiver<Job>) {
    let mut cache = ContextCache::new();
    loop {
        let job = match queue.try_recv() {
            Ok(job) => job,
            Err(TryRecvError::Disconnected) => return,
            Err(TryRecvError::Empty) => {
                // Idle: prepare what the next run may need, then look at the queue again.
                if catch_unwind(AssertUnwindSafe(|| cache.reload_dropped())).unwrap_or(true) {
                    continue;
                }
                match queue.recv() {
                    Ok(job) => job,
                    Err(_) => return,
                }
            }
        };
        if job.reply.is_closed() {
            continue;
        }
        let run = catch_unwind(AssertUnwindSafe(|| {
            job.functions
                .invoke_in(&mut cache, &job.name, &job.event, &job.options)
        }));
        let outcome = run.unwrap_or_else(|_| {
            // Contexts may be half-way through something: start afresh.
            cache = ContextCache::new();
            Err(internal_error(&job.name))
        });
        // The caller may have gone meanwhile; nothing to do then.
        let _ = job.reply.send(outcome);
    }
}

fn internal_error(name: &str) -> FunctionError {
    FunctionError::Execution(ExecutionError {
        function: name.to_owned(),
        name: "InternalError".to_owned(),
        message: "the function's run failed inside localfront".to_owned(),
        logs: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FunctionSource;

    fn event() -> cff::Event {
        serde_json::from_str(
            r#"{"context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/"}}"#,
        )
        .unwrap()
    }

    #[tokio::test]
    async fn runs_on_the_pool_threads_and_survives_reloads() {
        let pool = FunctionThreads::start("lf-test-function", 2).unwrap();
        assert_eq!(pool.threads(), 2);
        let code = "function handler(e) { e.request.headers['x-thread'] = { value: 'x' }; \
                    return e.request }";
        let mut last = None;
        // Each set is a new generation, as after a config reload.
        for _ in 0..20 {
            let functions = Functions::new(vec![FunctionSource::new("f", code)]).unwrap();
            for _ in 0..3 {
                let out = pool
                    .invoke(&functions, "f", event(), InvokeOptions::default())
                    .await
                    .unwrap();
                let cff::Output::Request(r) = out.output else {
                    panic!("a request")
                };
                assert!(r.headers.get("x-thread").is_some());
            }
            last = Some(functions);
        }
        let err = pool
            .invoke(
                last.as_ref().unwrap(),
                "missing",
                event(),
                InvokeOptions::default(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, FunctionError::Validation(_)));
    }

    #[test]
    fn caches_drop_older_generations() {
        let code = "function handler(e) { return e.request }";
        let mut cache = ContextCache::new();
        for _ in 0..5 {
            let functions = Functions::new(vec![
                FunctionSource::new("a", code),
                FunctionSource::new("b", code),
            ])
            .unwrap();
            for name in ["a", "b"] {
                functions
                    .invoke_in(&mut cache, name, &event(), &InvokeOptions::default())
                    .unwrap();
            }
            assert_eq!(cache.len(), 2);
        }
    }
}
