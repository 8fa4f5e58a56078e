//! Every run sees a pristine global environment (spec/cloudfront-functions.md §7: each invocation
//! is isolated; CloudFront clones a fresh VM per request): what one run writes onto `globalThis`,
//! a builtin object or prototype, or localfront's own builtins (`console`, `require(...)`,
//! `Buffer`, `cf`) is gone for the next run on the same thread, while a function that writes none
//! of them keeps its warm context.

use localfront_events::cff;
use localfront_js::{
    ContextCache, FunctionError, FunctionSource, Functions, InvokeOptions, JsRuntime,
};

fn event() -> cff::Event {
    serde_json::from_str(
        r#"{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"127.0.0.1"},
            "request":{"method":"GET","uri":"/docs/guide","querystring":{"a":{"value":"1"}},
            "headers":{"host":{"value":"example.org"}},"cookies":{"s":{"value":"1"}}}}"#,
    )
    .unwrap()
}

/// Wraps `body` (which sets `seen`, a string, from what it observes before changing anything) in
/// a handler that returns `seen` in the `x-seen` header.
fn observer(body: &str) -> String {
    format!(
        "function handler(event) {{ var seen; {body}\n\
         event.request.headers['x-seen'] = {{ value: String(seen) }}; return event.request; }}"
    )
}

/// The `x-seen` header of each of `runs` consecutive runs of `code` in one cache (one thread's
/// warm contexts, as on a function thread), and how many contexts the cache kept.
fn seen_in_runs(code: &str, runtime: JsRuntime, runs: usize) -> (Vec<String>, usize) {
    let functions =
        Functions::new(vec![FunctionSource::new("f", code).with_runtime(runtime)]).unwrap();
    let mut cache = ContextCache::new();
    let mut seen = Vec::new();
    for _ in 0..runs {
        let out = functions
            .invoke_in(&mut cache, "f", &event(), &InvokeOptions::default())
            .unwrap_or_else(|e| panic!("{code}: {e:?}"));
        let cff::Output::Request(r) = out.output else {
            panic!("a request")
        };
        seen.push(r.headers.get("x-seen").unwrap().values[0].clone());
    }
    (seen, cache.len())
}

/// Runs `body` three times; every run must see `expected`.
fn assert_pristine_every_run(body: &str, expected: &str) {
    assert_pristine_every_run_on(body, expected, JsRuntime::CloudfrontJs2);
}

fn assert_pristine_every_run_on(body: &str, expected: &str, runtime: JsRuntime) {
    let (seen, _) = seen_in_runs(&observer(body), runtime, 3);
    assert_eq!(seen, [expected; 3], "{body}");
}

#[test]
fn a_counter_on_globalthis_starts_afresh_each_run() {
    assert_pristine_every_run(
        "globalThis.counter = (globalThis.counter || 0) + 1; seen = globalThis.counter;",
        "1",
    );
}

#[test]
fn a_global_made_through_top_level_this_does_not_persist() {
    // Top-level `this` is the global object, as in a script: the script-style way to make a global.
    let code = "this.counter = (this.counter || 0) + 1; var atLoad = this.counter;\n\
                function handler(event) { event.request.headers['x-seen'] = { value: String(atLoad) };\n\
                return event.request; }";
    let (seen, _) = seen_in_runs(code, JsRuntime::CloudfrontJs2, 3);
    assert_eq!(seen, ["1", "1", "1"]);
}

#[test]
fn an_implicit_global_is_a_reference_error_and_leaves_nothing_behind() {
    // Functions run in strict mode (§7), so assigning an undeclared name throws instead of
    // creating a global; the next run still finds no such global.
    assert_pristine_every_run(
        "seen = typeof implicitCounter; try { implicitCounter = 1; } catch (e) { seen += ' ' + e.name; }",
        "undefined ReferenceError",
    );
}

#[test]
fn a_property_added_to_a_builtin_prototype_is_gone_next_run() {
    assert_pristine_every_run(
        "seen = [].x + ' ' + ({}).y; Array.prototype.x = 1; Object.prototype.y = 2;",
        "undefined undefined",
    );
    // Added by `defineProperty`, as an accessor, and as an array element of `Array.prototype`.
    assert_pristine_every_run(
        "seen = [].length + ' ' + Array.prototype.length + ' ' + ('polluted' in {});\n\
         Object.defineProperty(Object.prototype, 'polluted', { get: function () { return 1 } });\n\
         Array.prototype.push.call(Array.prototype, 'element');",
        "0 0 false",
    );
}

#[test]
fn an_overwritten_builtin_method_is_pristine_next_run() {
    assert_pristine_every_run(
        "seen = 'a'.toUpperCase() + Math.random.name + JSON.parse('1');\n\
         String.prototype.toUpperCase = function () { return 'hijacked' };\n\
         Math.random = function fake() { return 4 }; JSON.parse = function () { return 2 };",
        "Arandom1",
    );
}

#[test]
fn a_deleted_builtin_is_back_next_run() {
    assert_pristine_every_run(
        "seen = typeof JSON.stringify + ' ' + typeof Math; delete JSON.stringify; delete globalThis.Math;",
        "function object",
    );
}

#[test]
fn frozen_or_reshaped_builtins_are_pristine_next_run() {
    assert_pristine_every_run(
        "seen = Object.isFrozen(Array.prototype) + ' ' + Object.isExtensible(Math) + ' ' +\n\
         (Object.getPrototypeOf(JSON) === Object.prototype);\n\
         Object.freeze(Array.prototype); Object.preventExtensions(Math); Object.setPrototypeOf(JSON, null);",
        "false true true",
    );
}

#[test]
fn localfronts_own_builtins_are_pristine_next_run() {
    assert_pristine_every_run(
        "var crypto = require('crypto');\n\
         seen = crypto.createHash('sha256').update('x').digest('hex').slice(0, 8) + ' ' + typeof console.log\n\
           + ' ' + Buffer.from('hi').toString('hex') + ' ' + require('querystring').stringify({ a: 1 });\n\
         crypto.createHash = null; console.log = 5; Buffer.prototype.toString = function () { return 'x' };\n\
         require('querystring').stringify = function () { return 'y' };",
        "2d711642 function 6869 a=1",
    );
    // 1.0's byte-string helpers live on `String`.
    assert_pristine_every_run_on(
        "seen = typeof String.bytesFrom; String.bytesFrom = 1;",
        "function",
        JsRuntime::CloudfrontJs1,
    );
}

#[test]
fn the_cloudfront_module_is_pristine_next_run() {
    let code = "import cf from 'cloudfront';\n".to_owned()
        + &observer(
            "seen = typeof cf.kvs + ' ' + typeof cf.updateRequestOrigin; cf.kvs = 1; delete cf.updateRequestOrigin;",
        );
    let (seen, _) = seen_in_runs(&code, JsRuntime::CloudfrontJs2, 3);
    assert_eq!(seen, ["function function"; 3]);
}

#[test]
fn a_function_that_writes_no_builtin_keeps_its_context() {
    // What functions commonly do: read builtins, build objects and strings, use localfront's
    // builtins, throw and catch. None of it may count as a write to the shared environment, or
    // every run would pay for a new context.
    let url_rewrite = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/functions/url-rewrite.js"
    ))
    .unwrap();
    let busy = observer(
        "var parts = event.request.uri.split('/').map(function (p) { return p.toUpperCase() });\n\
         var o = { a: [1, 2, 3], s: new Set([1]), m: new Map([[1, 2]]), d: new Date(0) };\n\
         o.a.push(4); o.s.add(2); o.m.set(3, 4); Object.freeze(o);\n\
         var re = event.request.uri.replace(/^\\/docs\\//, '/').match(/g(u)i/);\n\
         var caught; try { null.x } catch (e) { caught = e.name }\n\
         class K { #p = 1; get p() { return this.#p } }\n\
         console.log('seen', JSON.stringify({ parts: parts }), new K().p);\n\
         var h = require('crypto').createHmac('sha1', 'k').update('v').digest('base64');\n\
         var q = require('querystring').parse('a=1&b=2');\n\
         var b = Buffer.concat([Buffer.from('a'), Buffer.alloc(2)]);\n\
         var arr = Array.from({ length: 3 }, function (_, i) { return i * 2 }).sort().reverse();\n\
         var it = [...new Map([[1, 2]]).entries()]; var sym = Symbol('s');\n\
         seen = parts.join('-') + re[1] + h.length + q.b + b.length + arr[0] + it.length + String(sym).length;",
    );
    let asynchronous =
        "async function handler(event) { var v = await Promise.resolve(event.request);\n\
                        await new Promise(function (r) { r(1) }); return v; }";
    let module = "import cf from 'cloudfront';\n\
                  function handler(event) { var k = cf.kvs(); var l = cf.edgeLocation;\n\
                  event.request.rawQueryString(); return event.request; }";
    for code in [url_rewrite.as_str(), &busy, asynchronous, module] {
        let functions = Functions::new(vec![FunctionSource::new("f", code)]).unwrap();
        let mut cache = ContextCache::new();
        for _ in 0..3 {
            functions
                .invoke_in(&mut cache, "f", &event(), &InvokeOptions::default())
                .unwrap_or_else(|e| panic!("{code}: {e:?}"));
            assert_eq!(cache.len(), 1, "{code}: its context was not kept");
        }
    }
}

#[test]
fn a_run_that_writes_a_builtin_does_not_keep_its_context() {
    let functions = Functions::new(vec![FunctionSource::new(
        "f",
        "function handler(event) { Array.prototype.x = 1; return event.request; }",
    )])
    .unwrap();
    let mut cache = ContextCache::new();
    functions
        .invoke_in(&mut cache, "f", &event(), &InvokeOptions::default())
        .unwrap();
    assert_eq!(cache.len(), 0);
    // A function thread with nothing to do loads the next context ahead of the next run.
    assert!(cache.reload_dropped());
    assert_eq!(cache.len(), 1);
    assert!(!cache.reload_dropped());
    functions
        .invoke_in(&mut cache, "f", &event(), &InvokeOptions::default())
        .unwrap();
    assert_eq!(cache.len(), 0);
}

#[test]
fn promise_jobs_left_by_a_run_run_in_that_run() {
    // A handler that returns at once may leave promise jobs queued; they belong to its run (and
    // its logs), never to the next run of the context.
    let code = "function handler(event) {\n\
        Promise.resolve().then(function () { console.log('job of ' + event.request.uri) });\n\
        if (event.request.uri === '/throw') throw new Error('thrown');
        return event.request.uri === '/async' ? Promise.resolve(event.request) : event.request; }";
    let functions = Functions::new(vec![FunctionSource::new("f", code)]).unwrap();
    let mut cache = ContextCache::new();
    let mut logs = Vec::new();
    for uri in ["/sync", "/async", "/throw", "/sync"] {
        let mut e = event();
        e.request.uri = uri.to_owned();
        logs.push(
            match functions.invoke_in(&mut cache, "f", &e, &InvokeOptions::default()) {
                Ok(out) => out.logs,
                Err(FunctionError::Execution(x)) => x.logs,
                Err(other) => panic!("{other:?}"),
            },
        );
    }
    assert_eq!(
        logs,
        [
            vec!["job of /sync"],
            vec!["job of /async"],
            vec!["job of /throw"],
            vec!["job of /sync"]
        ]
    );
}

#[test]
fn a_regular_expression_literal_is_a_new_object_each_run() {
    // The compiled pattern is shared between runs (vendor/boa_engine's per-thread cache); the
    // `RegExp` object and its `lastIndex` are not.
    assert_pristine_every_run(
        "var re = /o/g; re.exec('foo'); seen = re.lastIndex + ':' + 'foo'.replace(/O/gi, '0') + \
         ':' + new RegExp('o', 'g').lastIndex + ':' + /o/y.test('foo');",
        "2:f00:0:false",
    );
    // The same source with other flags is another pattern; a bad pattern is still an error.
    assert_pristine_every_run(
        "seen = /^A/.test('abc') + ':' + /^A/i.test('abc') + ':' + \
         (function () { try { new RegExp('('); return 'no'; } catch (e) { return e.name; } })();",
        "false:true:SyntaxError",
    );
}

#[test]
fn replace_reads_the_flag_getters_whenever_a_script_could_tell() {
    // `String.prototype.replace` with a regular expression reads `flags` from the object without
    // calling the getters only while nothing can tell (vendor/boa_engine, `unobservable_flags`):
    // an own `flags` on the regex, a subclass's getter, a changed prototype and a flag getter
    // redefined in this run are each called (counted), and the next run sees the builtins again.
    assert_pristine_every_run(
        "var calls = 0; function count() { calls++; return ''; }\
         var plain = 'aa'.replace(/a/, 'b') + 'aa'.replace(/a/g, 'b');\
         var own = /a/; Object.defineProperty(own, 'flags', { get: count });\
         'aa'.replace(own, 'b');\
         class Sub extends RegExp { get flags() { return count(); } }\
         'aa'.replace(new Sub('a'), 'b');\
         var moved = /a/;\
         Object.setPrototypeOf(moved, Object.create(RegExp.prototype, { flags: { get: count } }));\
         'aa'.replace(moved, 'b');\
         Object.defineProperty(RegExp.prototype, 'global', { get: function () { calls++; return false; } });\
         'aa'.replace(/a/, 'b');\
         seen = plain + ':' + calls;",
        "babb:4",
    );
}
