//! What a function sees of its event and how its result is read back, pinned down exactly: the
//! own properties of every event object in order with their attributes, prototypes and
//! extensibility, and the outputs of results a function changed in every way the read-back has a
//! shortcut for (objects made from the context's templates, `shapes.rs`) and in the ways that must
//! take the long way (getters, a changed prototype, `Object.prototype` written during the run,
//! array-index names). Every case runs three times on one warm context, as on a function thread:
//! the first run makes the templates, the later ones reuse them.
//!
//! The expected outputs are in `event_objects.golden`, one line a case, written by the code before
//! the templates existed (they read and built every property through boa's generic paths).
//! `LOCALFRONT_UPDATE_GOLDEN=1 cargo test --test event_objects` rewrites it from the current code.

use std::path::PathBuf;

use localfront_events::cff;
use localfront_js::{ContextCache, FunctionSource, Functions, InvokeOptions, JsRuntime};

/// Describes `o` as `{key:attributes:value,…}` (`w`ritable, `e`numerable, `c`onfigurable), with a
/// prototype mark (`A` an array, `?` neither `Object.prototype` nor `Array.prototype`) and `!` when
/// not extensible. ES5 only, for both runtimes.
const DESCRIBE: &str = r#"
function describe(o) {
  if (typeof o === 'function') return 'function';
  if (o === null || typeof o !== 'object') return JSON.stringify(o);
  var proto = Object.getPrototypeOf(o);
  var mark = proto === Object.prototype ? '' : proto === Array.prototype ? 'A' : '?';
  var keys = Object.getOwnPropertyNames(o);
  var parts = [];
  for (var i = 0; i < keys.length; i++) {
    var d = Object.getOwnPropertyDescriptor(o, keys[i]);
    var f = (d.writable ? 'w' : '') + (d.enumerable ? 'e' : '') + (d.configurable ? 'c' : '');
    parts.push(keys[i] + ':' + f + ':' + ('value' in d ? describe(d.value) : 'accessor'));
  }
  return mark + '{' + parts.join(',') + '}' + (Object.isExtensible(o) ? '' : '!');
}
"#;

fn event(json: &str) -> cff::Event {
    serde_json::from_str(json).expect("a valid event")
}

/// Every property CloudFront may set, repeated names, and an array-index name (`1`).
const RICH_REQUEST: &str = r#"{"version":"1.0",
  "context":{"distributionDomainName":"d1.cloudfront.net","distributionId":"EDFDVBD6EXAMPLE",
    "eventType":"viewer-request","requestId":"r-1"},
  "viewer":{"ip":"198.51.100.20"},
  "request":{"method":"GET","uri":"/a/b",
    "querystring":{"a":{"value":"1"},"b":{"value":"2","multiValue":[{"value":"2"},{"value":"3"}]},
      "1":{"value":"x"}},
    "headers":{"host":{"value":"example.org"},"accept":{"value":"*/*"},
      "x-two":{"value":"p","multiValue":[{"value":"p"},{"value":"q"}]}},
    "cookies":{"s":{"value":"1"},"t":{"value":"2"}}}}"#;

/// The shape the benchmarks use: no repeated or index names.
const PLAIN_REQUEST: &str = r#"{"version":"1.0",
  "context":{"eventType":"viewer-request","distributionId":"EBENCH","requestId":"r1"},
  "viewer":{"ip":"127.0.0.1"},
  "request":{"method":"GET","uri":"/docs/guide","querystring":{"a":{"value":"1"}},
    "headers":{"host":{"value":"example.org"},"accept":{"value":"*/*"}},
    "cookies":{"s":{"value":"1"}}}}"#;

const RESPONSE: &str = r#"{"version":"1.0",
  "context":{"endpoint":"e.example","eventType":"viewer-response"},
  "viewer":{"ip":"198.51.100.20"},
  "request":{"method":"GET","uri":"/","querystring":{},"headers":{"host":{"value":"example.org"}},
    "cookies":{}},
  "response":{"statusCode":200,"statusDescription":"OK",
    "headers":{"content-type":{"value":"text/html"},
      "x-two":{"value":"a","multiValue":[{"value":"a"},{"value":"b"}]}},
    "cookies":{"id":{"value":"1","attributes":"Path=/"},
      "two":{"value":"a","attributes":"","multiValue":[{"value":"a","attributes":""},
        {"value":"b","attributes":"Secure"}]}}}}"#;

/// What each of three runs of `code` on `event` produced (the output, or the error), joined.
fn runs(code: &str, runtime: JsRuntime, event: &cff::Event) -> String {
    let code = format!("{DESCRIBE}\n{code}");
    let functions =
        Functions::new(vec![FunctionSource::new("f", code).with_runtime(runtime)]).unwrap();
    let mut cache = ContextCache::new();
    // Without the output validation (TestFunction's mode), which would hide what was read behind
    // its first complaint.
    let options = InvokeOptions {
        test_mode: true,
        ..InvokeOptions::default()
    };
    let results: Vec<String> = (0..3)
        .map(
            |_| match functions.invoke_in(&mut cache, "f", event, &options) {
                Ok(invocation) => format!("{:?} logs {:?}", invocation.output, invocation.logs),
                Err(e) => format!("error {e}"),
            },
        )
        .collect();
    assert!(
        results.iter().all(|r| r == &results[0]),
        "runs differ: {results:#?}"
    );
    results[0].clone()
}

/// The `describe`d event, logged by a handler that returns the response or request unchanged.
fn described(runtime: JsRuntime, event: &cff::Event) -> String {
    runs(
        "function handler(event) {\n\
           console.log(describe(event)); return event.response || event.request; }",
        runtime,
        event,
    )
}

/// Compares `outputs` (case name, output) with the `section` lines of the golden file, or writes
/// them there when `LOCALFRONT_UPDATE_GOLDEN` is set.
fn golden(section: &str, outputs: Vec<(String, String)>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/event_objects.golden");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let prefix = format!("{section}\t");
    let mut lines: Vec<String> = outputs
        .iter()
        .map(|(case, output)| format!("{prefix}{case}\t{output}"))
        .collect();
    lines.sort();
    if std::env::var_os("LOCALFRONT_UPDATE_GOLDEN").is_some() {
        let mut kept: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with(&prefix))
            .map(str::to_owned)
            .collect();
        kept.extend(lines);
        kept.sort();
        std::fs::write(&path, kept.join("\n") + "\n").unwrap();
        return;
    }
    let expected: Vec<&str> = text.lines().filter(|l| l.starts_with(&prefix)).collect();
    assert_eq!(
        lines.len(),
        expected.len(),
        "{section}: cases added or removed"
    );
    for (line, expected) in lines.iter().zip(expected) {
        assert_eq!(line, expected);
    }
}

#[test]
fn the_event_objects_have_their_properties_in_order_with_their_attributes() {
    let cases = [
        ("2.0 rich request", JsRuntime::CloudfrontJs2, RICH_REQUEST),
        ("1.0 rich request", JsRuntime::CloudfrontJs1, RICH_REQUEST),
        ("2.0 plain request", JsRuntime::CloudfrontJs2, PLAIN_REQUEST),
        ("2.0 response", JsRuntime::CloudfrontJs2, RESPONSE),
    ];
    let outputs = cases
        .iter()
        .map(|(case, runtime, json)| (case.to_string(), described(*runtime, &event(json))))
        .collect();
    golden("event", outputs);
}

/// The result of `body` (a handler's body, `event` in scope) on `json`, 2.0.
fn result(body: &str, json: &str) -> String {
    runs(
        &format!("function handler(event) {{ {body} }}"),
        JsRuntime::CloudfrontJs2,
        &event(json),
    )
}

#[test]
fn requests_read_back_the_same_whatever_changed() {
    let cases = [
        // Unchanged, and changed in place (values, names added and deleted, multiValue).
        "return event.request;",
        "var r = event.request; r.uri = '/x'; r.headers.host.value = 'b.example'; \
         r.headers['x-new'] = { value: 'n' }; delete r.cookies.s; \
         r.querystring.a.multiValue = [{ value: '7' }, { value: '8' }]; return r;",
        "var r = event.request; if (r.headers['x-two']) r.headers['x-two'].multiValue[1].value = 'z'; \
         r.headers.accept.value = 42; r.querystring = '?k=v'; return r;",
        "var r = event.request; r.headers.host.multiValue = []; r.cookies.s.value = undefined; \
         return r;",
        // A new request object with the same properties in the same order, and one without.
        "var r = event.request; return { method: 'POST', uri: '/n', querystring: r.querystring, \
         headers: { host: { value: 'n.example' } }, cookies: {} };",
        "return { uri: '/only' };",
        // Getters, run once each and in order, and a getter that changes what is read next.
        "var r = event.request; var n = 0; \
         Object.defineProperty(r.headers.host, 'value', { get: function () { n++; return 'g' + n; }, \
           enumerable: true }); \
         Object.defineProperty(r, 'uri', { get: function () { n++; return '/g' + n; } }); return r;",
        "var r = event.request; \
         Object.defineProperty(r.headers.host, 'value', { get: function () { \
           delete r.headers.accept; r.cookies = { c: { value: 'late' } }; return 'h'; } }); \
         return r;",
        "var r = event.request; Object.defineProperty(r.headers, 'host', { get: function () { \
           r.headers.accept.value = 'changed'; return { value: 'h' }; }, enumerable: true }); \
         return r;",
        // Prototypes: of a returned object, and Object.prototype written during the run.
        "var r = event.request; Object.setPrototypeOf(r.headers.host, { multiValue: [{ value: 'p' }] }); \
         return r;",
        "Object.prototype.multiValue = [{ value: 'from-prototype' }]; return event.request;",
        "Object.defineProperty(Object.prototype, 'statusCode', { get: function () { return 302; }, \
         configurable: true }); return event.request;",
        "Object.prototype.request = 1; Object.prototype.context = 2; return event.request;",
        // Array-index names, the whole event, frozen objects.
        "var r = event.request; r.headers[7] = { value: 'seven' }; return r;",
        "return event;",
        "var r = event.request; Object.freeze(r.headers.host); Object.freeze(r); return r;",
    ];
    let outputs = cases
        .iter()
        .enumerate()
        .flat_map(|(i, body)| {
            [
                (format!("{i:02} plain"), result(body, PLAIN_REQUEST)),
                (format!("{i:02} rich"), result(body, RICH_REQUEST)),
            ]
        })
        .collect();
    golden("request", outputs);
}

#[test]
fn responses_read_back_the_same_whatever_changed() {
    let cases = [
        "return event.response;",
        "var s = event.response; s.statusCode = 404; s.statusDescription = 'Not Found'; \
         s.headers['content-type'].value = 'text/plain'; delete s.headers['x-two']; \
         s.cookies.id.attributes = 'Secure'; s.cookies.two.multiValue[0].value = 'c'; return s;",
        "var s = event.response; s.cookies.id.multiValue = [{ value: '9' }]; s.body = 'hi'; return s;",
        "var s = event.response; s.body = { data: 'aGk=', encoding: 'base64' }; \
         s.cookies['n'] = { value: 'v' }; return s;",
        "return { statusCode: 302, statusDescription: 'Found', \
         headers: { location: { value: '/there' } }, cookies: {} };",
        "var s = event.response; Object.defineProperty(s, 'body', { get: function () { \
           s.headers['content-type'].value = 'late'; return 'b'; } }); return s;",
        "Object.prototype.body = 'from-prototype'; return event.response;",
        "return event.request;",
    ];
    let outputs = cases
        .iter()
        .enumerate()
        .map(|(i, body)| (format!("{i:02}"), result(body, RESPONSE)))
        .collect();
    golden("response", outputs);
}
