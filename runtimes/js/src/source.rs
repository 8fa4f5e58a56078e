//! Loading a function's code like CloudFront does (spec §1, §7, §9): the 10 KB limit, `export`,
//! the one allowed import (`import cf from 'cloudfront'`, 2.0), no `const`/`let` under 1.0, then
//! budget instrumentation. Produces the source boa compiles, once per function.

use crate::error::ValidationError;
use crate::instrument;
use crate::tokens::{self, Kind, Token};

/// Largest function code, in bytes (§9).
pub const MAX_CODE_BYTES: usize = 10 * 1024;

/// The global the `cloudfront` import is bound to.
pub(crate) const CLOUDFRONT_GLOBAL: &str = "__lf_cloudfront";

/// A CloudFront Functions runtime (§7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum JsRuntime {
    /// `cloudfront-js-1.0`: no `const`/`let`, byte-string helpers, no `Buffer`, no `cloudfront` module.
    CloudfrontJs1,
    /// `cloudfront-js-2.0` (default).
    #[default]
    CloudfrontJs2,
}

impl JsRuntime {
    /// The runtime's name in CloudFront's API.
    pub fn as_str(self) -> &'static str {
        match self {
            JsRuntime::CloudfrontJs1 => "cloudfront-js-1.0",
            JsRuntime::CloudfrontJs2 => "cloudfront-js-2.0",
        }
    }

    /// Parses `cloudfront-js-1.0` / `cloudfront-js-2.0`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "cloudfront-js-1.0" => Some(JsRuntime::CloudfrontJs1),
            "cloudfront-js-2.0" => Some(JsRuntime::CloudfrontJs2),
            _ => None,
        }
    }
}

/// A function as configured: name, runtime and code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSource {
    /// The function's name (used in errors and logs).
    pub name: String,
    /// Its runtime.
    pub runtime: JsRuntime,
    /// Its JavaScript code, exactly as it would be deployed.
    pub code: String,
}

impl FunctionSource {
    /// A `cloudfront-js-2.0` function.
    pub fn new(name: impl Into<String>, code: impl Into<String>) -> Self {
        FunctionSource {
            name: name.into(),
            runtime: JsRuntime::CloudfrontJs2,
            code: code.into(),
        }
    }

    /// The same function on `runtime`.
    pub fn with_runtime(mut self, runtime: JsRuntime) -> Self {
        self.runtime = runtime;
        self
    }
}

/// 1-based line and column of byte `offset` in `src`.
fn position(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Checks `source` and produces the code boa compiles; every problem found is reported.
pub(crate) fn prepare(source: &FunctionSource) -> Result<String, Vec<ValidationError>> {
    let src = source.code.as_str();
    let err_at = |offset: Option<usize>, message: String| {
        let pos = offset.map(|o| position(src, o));
        ValidationError {
            function: source.name.clone(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message,
            logs: Vec::new(),
        }
    };
    if src.len() > MAX_CODE_BYTES {
        return Err(vec![err_at(
            None,
            format!(
                "the function code is {} bytes: CloudFront Functions are at most {MAX_CODE_BYTES} bytes (10 KB)",
                src.len()
            ),
        )]);
    }
    let toks = tokens::tokenize(src).map_err(|e| {
        vec![err_at(
            Some(e.offset),
            format!("SyntaxError: {}", e.message),
        )]
    })?;
    let mut errors = Vec::new();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut depth = 0i32;
    let mut imported = false;
    for (i, t) in toks.iter().enumerate() {
        if t.kind == Kind::Punct {
            match t.text {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth -= 1,
                _ => {}
            }
        }
        if t.kind != Kind::Ident {
            continue;
        }
        let property = i > 0 && (toks[i - 1].is_punct(".") || toks[i - 1].is_punct("?."));
        let key = toks.get(i + 1).is_some_and(|n| n.is_punct(":"));
        if t.text.starts_with("__lf_") {
            errors.push(err_at(
                Some(t.start),
                format!(
                    "`{}`: names starting with __lf_ are reserved by localfront",
                    t.text
                ),
            ));
            continue;
        }
        if property || key {
            continue;
        }
        match t.text {
            "export" if depth == 0 => errors.push(err_at(
                Some(t.start),
                "SyntaxError: Illegal export statement".to_owned(),
            )),
            "import" if !toks.get(i + 1).is_some_and(|n| n.is_punct(".")) => {
                match cloudfront_import(&toks, i, source.runtime, depth, imported) {
                    Ok((end, binding)) => {
                        imported = true;
                        let original = &src[t.start..end];
                        let mut replacement = format!("var {binding} = {CLOUDFRONT_GLOBAL};");
                        // Keep line numbers: the import may span lines.
                        replacement.push_str(&"\n".repeat(original.matches('\n').count()));
                        edits.push((t.start, end, replacement));
                    }
                    Err(message) => errors.push(err_at(Some(t.start), message)),
                }
            }
            "const" | "let" if source.runtime == JsRuntime::CloudfrontJs1 => errors.push(err_at(
                Some(t.start),
                format!(
                    "SyntaxError: `{}` is not supported in cloudfront-js-1.0 (use var, or cloudfront-js-2.0)",
                    t.text
                ),
            )),
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut code = String::with_capacity(src.len() + PREFIX.len() + SUFFIX.len());
    // Strict mode always (§7), and the function's top level inside a factory called afresh for
    // every run, so that no state survives from one viewer's request to the next (§7: each
    // invocation is isolated). Both on line 1 so that lines stay the function's own.
    code.push_str(PREFIX);
    let mut last = 0;
    for (start, end, text) in &edits {
        code.push_str(&src[last..*start]);
        code.push_str(text);
        last = *end;
    }
    code.push_str(&src[last..]);
    code.push_str(SUFFIX);
    let toks = tokens::tokenize(&code)
        .map_err(|e| vec![err_at(None, format!("SyntaxError: {}", e.message))])?;
    instrument::instrument(&code, &toks).map_err(|message| {
        // A syntax error's position is at the end of boa's message; the instrumented code keeps
        // the source's lines and columns up to the error.
        let at = syntax_position(&message);
        let mut e = err_at(None, message);
        e.line = at.map(|p| p.0);
        e.column = at.map(|p| p.1);
        vec![e]
    })
}

/// Checks `import <name> from 'cloudfront'` at token `i`; returns the byte end of the statement
/// (including a `;`) and the bound name.
fn cloudfront_import(
    toks: &[Token<'_>],
    i: usize,
    runtime: JsRuntime,
    depth: i32,
    imported: bool,
) -> Result<(usize, String), String> {
    let illegal = || {
        "SyntaxError: Illegal import statement: only `import cf from 'cloudfront'` is supported"
            .to_owned()
    };
    if runtime == JsRuntime::CloudfrontJs1 {
        return Err(
            "SyntaxError: Illegal import statement: the cloudfront module needs cloudfront-js-2.0"
                .to_owned(),
        );
    }
    if depth != 0 || imported {
        return Err(illegal());
    }
    let (Some(name), Some(from), Some(module)) =
        (toks.get(i + 1), toks.get(i + 2), toks.get(i + 3))
    else {
        return Err(illegal());
    };
    let module_name = module.text.trim_matches(|c| c == '\'' || c == '"');
    if name.kind != Kind::Ident || !from.is_word("from") || module.kind != Kind::Str {
        return Err(illegal());
    }
    if module_name != "cloudfront" {
        return Err(format!(
            "SyntaxError: Illegal import statement: module '{module_name}' is not available (only 'cloudfront')"
        ));
    }
    let end = match toks.get(i + 4) {
        Some(semi) if semi.is_punct(";") => semi.end,
        _ => module.end,
    };
    Ok((end, name.text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(code: &str, runtime: JsRuntime) -> Vec<String> {
        prepare(&FunctionSource::new("f", code).with_runtime(runtime))
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn load_time_checks_report_every_problem_with_positions() {
        let e = errors(
            "export function handler(e) {\n  const x = 1;\n}\n",
            JsRuntime::CloudfrontJs1,
        );
        assert_eq!(
            e,
            vec![
                "function `f`:1:1: SyntaxError: Illegal export statement",
                "function `f`:2:3: SyntaxError: `const` is not supported in cloudfront-js-1.0 (use var, or cloudfront-js-2.0)",
            ]
        );
        assert!(errors("import fs from 'fs';", JsRuntime::CloudfrontJs2)[0]
            .contains("module 'fs' is not available"));
        assert!(
            errors(&"x".repeat(MAX_CODE_BYTES + 1), JsRuntime::CloudfrontJs2)[0]
                .contains("at most 10240 bytes")
        );
    }

    #[test]
    fn the_cloudfront_import_becomes_a_binding_on_the_same_line() {
        let code = prepare(&FunctionSource::new(
            "f",
            "import cf from 'cloudfront';\nfunction handler(e) { return e.request }",
        ))
        .unwrap();
        assert!(code.starts_with(
            "'use strict';var __lf_instance = function () {__lf_tick();var cf = __lf_cloudfront;\nfunction handler(e) {__lf_tick();"
        ));
    }
}

/// What precedes the function's code on its first line: strict mode and the per-run factory.
const PREFIX: &str = "'use strict';var __lf_instance = function () {";

/// What follows the function's code: the factory's result is the run's `handler`.
const SUFFIX: &str = "\n;return typeof handler === 'function' ? handler : undefined;\n};";

/// The global through which `engine.rs` finds the factory of [`PREFIX`].
pub(crate) const INSTANCE_GLOBAL: &str = "__lf_instance";

/// `(line, column)` in the function's own code from boa's `… at line N, col M` suffix (columns on
/// line 1 are shifted back over [`PREFIX`]).
pub(crate) fn syntax_position(message: &str) -> Option<(usize, usize)> {
    let rest = &message[message.rfind(" at line ")? + " at line ".len()..];
    let (line, col) = rest.split_once(", col ")?;
    let (line, col): (usize, usize) = (line.parse().ok()?, col.trim().parse().ok()?);
    let col = if line == 1 {
        col.saturating_sub(PREFIX.len()).max(1)
    } else {
        col
    };
    Some((line, col))
}

#[cfg(test)]
mod syntax_position_tests {
    use super::syntax_position;

    #[test]
    fn reads_boas_position_suffix() {
        assert_eq!(
            syntax_position(
                "expected token 'property name', got '{' in property name at line 2, col 11"
            ),
            Some((2, 11))
        );
        assert_eq!(syntax_position("no position"), None);
    }
}
