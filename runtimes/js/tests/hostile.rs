//! Hostile functions (issue 5 item 5): each is stopped by its budget — also inside `try/catch` —
//! and the same thread runs a normal function right after. No timing assertions beyond "stopped":
//! the budget itself is the bound.

use std::time::{Duration, Instant};

use localfront_events::cff;
use localfront_js::{
    Budgets, FunctionError, FunctionSource, Functions, InvokeOptions, LimitKind, ThrottlePolicy,
};

#[global_allocator]
static ALLOC: localfront_js::MeteredAllocator = localfront_js::MeteredAllocator(std::alloc::System);

const NORMAL: &str = "function handler(e) { e.request.uri = '/ok'; return e.request }";

fn event() -> cff::Event {
    serde_json::from_str(
        r#"{"context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/"}}"#,
    )
    .unwrap()
}

/// Runs `body` as a handler, plain and wrapped in try/catch, and expects `kind` each time.
fn assert_stopped(body: &str, expect: fn(&LimitKind) -> bool) {
    let budgets = Budgets {
        max_run_time: Duration::from_millis(50),
        max_memory: 16 * 1024 * 1024,
        ..Budgets::default()
    };
    let wrapped = format!(
        "function handler(e) {{ try {{ {body} }} catch (err) {{ }} finally {{ }} return e.request }}"
    );
    let plain = format!("function handler(e) {{ {body} return e.request }}");
    let f = Functions::with_budgets(
        vec![
            FunctionSource::new("plain", plain),
            FunctionSource::new("wrapped", wrapped),
            FunctionSource::new("normal", NORMAL),
        ],
        budgets,
        ThrottlePolicy::default(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    for name in ["plain", "wrapped"] {
        let started = Instant::now();
        let err = f
            .invoke(name, &event(), &InvokeOptions::default())
            .unwrap_err();
        let took = started.elapsed();
        match &err {
            FunctionError::Limit(l) if expect(&l.kind) => {}
            other => panic!("{name} `{body}`: expected a limit, got {other:?}"),
        }
        assert_eq!(err.status(), 503);
        // Generous for a loaded debug build; a run that escaped its budget would take minutes.
        assert!(
            took < Duration::from_secs(5),
            "{name} `{body}` took {took:?}"
        );
        let ok = f
            .invoke("normal", &event(), &InvokeOptions::default())
            .unwrap();
        assert!(matches!(ok.output, cff::Output::Request(r) if r.uri == "/ok"));
    }
}

fn time(k: &LimitKind) -> bool {
    matches!(k, LimitKind::Time(_))
}
fn memory(k: &LimitKind) -> bool {
    matches!(k, LimitKind::Memory(_))
}
fn memory_or_time(k: &LimitKind) -> bool {
    matches!(k, LimitKind::Memory(_) | LimitKind::Time(_))
}
fn stack_or_time(k: &LimitKind) -> bool {
    matches!(k, LimitKind::Stack | LimitKind::Time(_))
}

#[test]
fn infinite_loops_are_stopped() {
    assert_stopped("while (true) {}", time);
    assert_stopped("for (;;) ;", time);
    assert_stopped("let i = 0; do { i++ } while (true);", time);
    assert_stopped(
        "for (const x of (function* () { while (true) yield 1 })()) {}",
        time,
    );
}

#[test]
fn nested_loops_are_stopped() {
    assert_stopped(
        "let n = 0; for (let i = 0; i < 1e6; i++) for (let j = 0; j < 1e6; j++) n++;",
        time,
    );
}

#[test]
fn loops_in_callbacks_and_promise_jobs_are_stopped() {
    assert_stopped("[1, 2].forEach(() => { while (true) {} });", time);
    assert_stopped("[3, 1, 2].sort((a, b) => { for (;;) {} });", time);
    assert_stopped("'abc'.replace(/b/, () => { while (1) {} });", time);
    assert_stopped(
        "Promise.resolve().then(() => { while (true) {} }); for (;;) {}",
        time,
    );
}

#[test]
fn deep_and_exponential_recursion_is_stopped() {
    assert_stopped("function f() { return f() + 1 } f();", stack_or_time);
    assert_stopped(
        "function f(n) { return n ? f(n - 1) + f(n - 1) : 1 } f(64);",
        time,
    );
    assert_stopped("const f = n => n ? f(n - 1) + f(n - 1) : 1; f(64);", time);
    assert_stopped("function f() { return [1].map(f) } f();", stack_or_time);
}

#[test]
fn string_and_array_doubling_is_stopped() {
    assert_stopped("let s = 'x'; while (true) s = s + s;", memory_or_time);
    assert_stopped(
        "let s = 'xxxxxxxx'; for (let i = 0; i < 40; i++) s += s;",
        memory_or_time,
    );
    assert_stopped("let a = [1]; while (true) a = a.concat(a);", memory_or_time);
    assert_stopped(
        "const keep = []; while (true) keep.push({ a: 1, b: [1, 2, 3] });",
        memory_or_time,
    );
    assert_stopped("Buffer.alloc(1e9);", memory);
}

#[test]
fn catastrophic_regular_expressions_are_stopped() {
    // Exponential backtracking: minutes per call without the engine's deadline.
    let input = "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'";
    assert_stopped(&format!("/^(a+)+$/.test({input});"), time);
    assert_stopped(&format!("{input}.replace(/^(a|aa)+$/, 'x');"), time);
    assert_stopped(&format!("new RegExp('^(a*)*b$').exec({input});"), time);
    // The result of a match given up is never used: the run ends with the limit, even when the
    // code after it has no loop for a tick to stop.
    assert_stopped(
        &format!("if (/^(a+)+$/.test({input})) {{ e.request.uri = '/matched'; }}"),
        time,
    );
}

/// Runs `f` on a thread of its own and returns its result, failing if it never ends.
fn ends<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    // "Did not hang": far above the 20 ms budget, even in a loaded debug build.
    outcome
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what}: never ended"))
}

#[test]
fn a_thrown_value_whose_getters_or_to_string_spin_is_stopped() {
    // The run's error is described from the thrown value, which runs its getters or `toString`:
    // still the function's code, under its budget (it once ran unmetered, holding the thread).
    for thrown in [
        "throw { get name() { while (true) {} } };",
        "throw { get message() { for (;;) {} } };",
        "throw { toString: function () { while (true) {} } };",
    ] {
        let code = format!("function handler(e) {{ {thrown} }}");
        let err = ends(thrown, move || {
            Functions::new(vec![FunctionSource::new("f", code)])
                .unwrap()
                .invoke("f", &event(), &InvokeOptions::default())
                .unwrap_err()
        });
        match err {
            FunctionError::Limit(l) => assert!(time(&l.kind), "{thrown}: {l:?}"),
            other => panic!("{thrown}: expected a limit, got {other:?}"),
        }
        // The same thrown by the top level when the function is loaded.
        let code = format!("{thrown}\nfunction handler(e) {{ return e.request }}");
        let errors = ends(thrown, move || {
            Functions::new(vec![FunctionSource::new("f", code)])
                .err()
                .unwrap()
        });
        assert!(
            errors[0].message.contains("execution time limit"),
            "{thrown}: {errors:?}"
        );
    }
}
