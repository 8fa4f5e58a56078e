//! Budget ticks: rewrites a function's source so that every loop iteration and every function
//! entry calls the native `__lf_tick()`, which stops the run when it is over its time or memory
//! budget (issue 5 item 5; `budget.rs` decides).
//!
//! Why source rewriting: boa's `RuntimeLimits` count iterations per loop (nested loops escape) and
//! its instruction budget only covers the outermost run loop (callbacks and promise jobs escape).
//! A tick at every loop head and function entry covers all code, including callbacks, `async`
//! continuations and `try/catch`: the tick's error is boa's runtime-limit error, which JavaScript
//! cannot catch.
//!
//! Rewrites, chosen so that the end of a statement never has to be found:
//! - `for (…) S`, `while (…) S` → `for (…) if (__lf_tick()) S`; `do S while (…)` → `do if (__lf_tick()) S while (…)`
//! - a function body `{` (after `=>`, or after the parameter list of a function or method) → `{__lf_tick();`
//! - a concise arrow body `=> E` → `=> (__lf_tick(), E)`
//!
//! After rewriting, the result is parsed and the number of `__lf_tick()` calls in the syntax tree
//! must equal the number inserted: a rewrite that landed inside a literal is caught, never run.

use std::ops::ControlFlow;

use boa_engine::ast::expression::{Call, Expression};
use boa_engine::ast::scope::Scope;
use boa_engine::ast::visitor::{VisitWith, Visitor};
use boa_engine::interner::Interner;
use boa_engine::parser::{Parser, Source};

use crate::tokens::{match_brackets, Kind, Token};

/// The name of the tick function; user code may not use names starting with `__lf_`.
pub(crate) const TICK: &str = "__lf_tick";

const LOOP_GUARD: &str = " if (__lf_tick())";
const BODY_TICK: &str = "__lf_tick();";
const ARROW_OPEN: &str = " (__lf_tick(),";
const ARROW_CLOSE: &str = ")";

/// Keywords whose parenthesised head may be followed by a block that is not a function body.
const BLOCK_HEADS: &[&str] = &["if", "while", "for", "switch", "catch", "with"];

/// An insertion of text at a byte offset of the source.
struct Insertion {
    at: usize,
    text: &'static str,
    ticks: usize,
}

/// Rewrites `src` (already tokenized as `tokens`) with budget ticks; `Err` when the rewritten source
/// does not parse to exactly the inserted ticks (then localfront cannot guard this function).
pub(crate) fn instrument(src: &str, tokens: &[Token<'_>]) -> Result<String, String> {
    let partner = match_brackets(tokens);
    let mut inserts: Vec<Insertion> = Vec::new();
    let mut do_terminators: Vec<usize> = Vec::new();
    let prop = |i: usize| i > 0 && (tokens[i - 1].is_punct(".") || tokens[i - 1].is_punct("?."));
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Ident if (t.text == "for" || t.text == "while") && !prop(i) => {
                if do_terminators.contains(&i) {
                    continue;
                }
                let mut open = i + 1;
                if t.text == "for" && tokens.get(open).is_some_and(|t| t.is_word("await")) {
                    open += 1;
                }
                if !tokens.get(open).is_some_and(|t| t.is_punct("(")) {
                    continue;
                }
                if let Some(close) = partner[open] {
                    inserts.push(Insertion {
                        at: tokens[close].end,
                        text: LOOP_GUARD,
                        ticks: 1,
                    });
                }
            }
            Kind::Ident if t.text == "do" && !prop(i) => {
                if tokens.get(i + 1).is_some_and(|n| n.is_punct(":")) {
                    continue;
                }
                if let Some(w) = do_terminator(tokens, &partner, i) {
                    do_terminators.push(w);
                }
                inserts.push(Insertion {
                    at: t.end,
                    text: LOOP_GUARD,
                    ticks: 1,
                });
            }
            Kind::Punct if t.text == "{" && i > 0 && is_function_body(tokens, &partner, i) => {
                inserts.push(Insertion {
                    at: t.end,
                    text: BODY_TICK,
                    ticks: 1,
                });
            }
            Kind::Punct if t.text == "=>" => {
                if tokens.get(i + 1).is_none_or(|n| n.is_punct("{")) {
                    continue;
                }
                let end = concise_body_end(tokens, &partner, i + 1);
                inserts.push(Insertion {
                    at: t.end,
                    text: ARROW_OPEN,
                    ticks: 1,
                });
                inserts.push(Insertion {
                    at: end,
                    text: ARROW_CLOSE,
                    ticks: 0,
                });
            }
            _ => {}
        }
    }
    // Stable sort: at one offset, insertions keep source order (closers of nested arrows stack).
    inserts.sort_by_key(|ins| ins.at);
    let expected: usize = inserts.iter().map(|i| i.ticks).sum();
    let mut out = String::with_capacity(src.len() + inserts.len() * 16);
    let mut last = 0;
    for ins in &inserts {
        out.push_str(&src[last..ins.at]);
        out.push_str(ins.text);
        last = ins.at;
    }
    out.push_str(&src[last..]);
    let found = count_ticks(&out)?;
    if found != expected {
        return Err(format!(
            "localfront could not place its budget checks in this function ({found} of {expected} landed in code)"
        ));
    }
    Ok(out)
}

/// Whether the `{` at `i` opens a function body: after `=>`, or after a parameter list `(…)` that
/// is not the head of `if`/`while`/`for`/`switch`/`catch`/`with`.
fn is_function_body(tokens: &[Token<'_>], partner: &[Option<usize>], i: usize) -> bool {
    let prev = &tokens[i - 1];
    if prev.is_punct("=>") {
        return true;
    }
    if !prev.is_punct(")") {
        return false;
    }
    let Some(open) = partner[i - 1] else {
        return false;
    };
    match open.checked_sub(1).map(|b| &tokens[b]) {
        Some(before) if before.kind == Kind::Ident => !BLOCK_HEADS.contains(&before.text),
        Some(before) => {
            // `for await (…) {`, computed method names `[k]() {`, string-named methods `"m"() {`.
            !(before.is_word("await") || before.is_punct("?.") || before.is_punct("."))
                && (before.is_punct("]") || before.kind == Kind::Str || before.kind == Kind::Number)
        }
        None => false,
    }
}

/// The index of the `while` that ends the `do` statement at `d`.
fn do_terminator(tokens: &[Token<'_>], partner: &[Option<usize>], d: usize) -> Option<usize> {
    let first = d + 1;
    if tokens.get(first)?.is_punct("{") {
        let close = partner[first]?;
        return tokens
            .get(close + 1)
            .filter(|t| t.is_word("while"))
            .map(|_| close + 1);
    }
    // A single-statement body: the first `while` at this depth that follows a `;` or `}`.
    let mut depth = 0i32;
    for (j, t) in tokens.iter().enumerate().skip(first) {
        if t.kind == Kind::Punct {
            match t.text {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth -= 1,
                _ => {}
            }
        }
        if depth < 0 {
            return None;
        }
        if depth == 0
            && j > first
            && t.is_word("while")
            && (tokens[j - 1].is_punct(";") || tokens[j - 1].is_punct("}"))
        {
            return Some(j);
        }
    }
    None
}

/// The byte offset where the concise arrow body starting at token `from` ends: before the first
/// `,` `;` or closing bracket at its depth, before an unmatched `:`, or where a line break ends
/// the statement (automatic semicolon insertion).
fn concise_body_end(tokens: &[Token<'_>], partner: &[Option<usize>], from: usize) -> usize {
    let mut questions = 0usize;
    let mut j = from;
    while j < tokens.len() {
        let t = &tokens[j];
        if j > from && t.newline_before && ends_expression(&tokens[j - 1]) && starts_statement(t) {
            return tokens[j - 1].end;
        }
        if t.kind == Kind::Punct {
            match t.text {
                "(" | "[" | "{" => {
                    if let Some(close) = partner[j] {
                        j = close + 1;
                        continue;
                    }
                }
                ")" | "]" | "}" | "," | ";" => return tokens[j - 1].end,
                "?" => questions += 1,
                ":" if questions == 0 => return tokens[j - 1].end,
                ":" => questions -= 1,
                _ => {}
            }
        }
        j += 1;
    }
    tokens.last().map_or(0, |t| t.end)
}

fn ends_expression(t: &Token<'_>) -> bool {
    match t.kind {
        Kind::Ident | Kind::Number | Kind::Str | Kind::Regex => true,
        Kind::Template => t.text.ends_with('`'),
        Kind::Punct => matches!(t.text, ")" | "]" | "}" | "++" | "--"),
    }
}

fn starts_statement(t: &Token<'_>) -> bool {
    match t.kind {
        Kind::Ident => !matches!(t.text, "in" | "instanceof" | "of"),
        Kind::Number | Kind::Str | Kind::Regex => true,
        Kind::Template => false,
        Kind::Punct => matches!(t.text, "++" | "--" | "!" | "~" | "{"),
    }
}

/// Counts the calls `__lf_tick()` in the syntax tree of `src`.
fn count_ticks(src: &str) -> Result<usize, String> {
    struct Counter<'i> {
        interner: &'i Interner,
        count: usize,
    }
    impl<'ast> Visitor<'ast> for Counter<'_> {
        type BreakTy = ();
        fn visit_call(&mut self, node: &'ast Call) -> ControlFlow<()> {
            if let Expression::Identifier(id) = node.function() {
                if self.interner.resolve_expect(id.sym()).to_string() == TICK {
                    self.count += 1;
                }
            }
            node.visit_with(self)
        }
    }
    let mut interner = Interner::default();
    let script = Parser::new(Source::from_bytes(src))
        .parse_script(&Scope::new_global(), &mut interner)
        .map_err(|e| format!("SyntaxError: {e}"))?;
    let mut counter = Counter {
        interner: &interner,
        count: 0,
    };
    // The counter never breaks.
    let _ = script.visit_with(&mut counter);
    Ok(counter.count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    fn rewrite(src: &str) -> String {
        instrument(src, &tokenize(src).unwrap()).unwrap()
    }

    #[test]
    fn loops_get_a_guard_and_functions_a_tick() {
        assert_eq!(
            rewrite("function f(a) { for (;;) a++; while (a) { a-- } }"),
            "function f(a) {__lf_tick(); for (;;) if (__lf_tick()) a++; while (a) if (__lf_tick()) { a-- } }"
        );
        assert_eq!(
            rewrite("do x++; while (x < 3)"),
            "do if (__lf_tick()) x++; while (x < 3)"
        );
        assert_eq!(
            rewrite("do { x++ } while (x < 3)"),
            "do if (__lf_tick()) { x++ } while (x < 3)"
        );
    }

    #[test]
    fn concise_arrows_keep_their_extent() {
        assert_eq!(
            rewrite("a.map(x => x * 2, t); c ? y => 1 : 2"),
            "a.map(x => (__lf_tick(), x * 2), t); c ? y => (__lf_tick(), 1) : 2"
        );
        assert_eq!(
            rewrite("const f = a => b => a + b\nlet t = 1"),
            "const f = a => (__lf_tick(), b => (__lf_tick(), a + b))\nlet t = 1"
        );
        assert_eq!(
            rewrite("xs.forEach(x => total += x)"),
            "xs.forEach(x => (__lf_tick(), total += x))"
        );
    }

    #[test]
    fn methods_and_control_blocks_are_told_apart() {
        let out = rewrite(
            "var o = { get a() { return 1 }, m(x) { if (x) { return 2 } switch (x) { case 1: } } }",
        );
        assert_eq!(out.matches(TICK).count(), 2);
        assert!(out.contains("switch (x) { case"));
    }

    #[test]
    fn text_inside_literals_is_not_rewritten() {
        let src = "var s = 'for (;;) {'; var t = `while (1) ${ 'x' }`; var r = /for (a) {/;";
        assert_eq!(rewrite(src), src);
    }
}
