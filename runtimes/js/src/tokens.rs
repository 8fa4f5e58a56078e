//! A small JavaScript tokenizer: just enough structure (identifiers, punctuators, brackets, string,
//! template and regular-expression literals, comments, line breaks) to find the places where
//! localfront rewrites a function's source before boa compiles it: the load-time checks of
//! `source.rs` and the budget ticks of `instrument.rs`.
//!
//! It does not validate: boa parses the rewritten source afterwards, and `instrument.rs` checks that
//! every rewrite landed in code. A `/` starts a regular expression when the previous significant
//! token cannot end an expression (the usual heuristic of JS tools; `}` and `)` count as ends).

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier or keyword (also `#private` names).
    Ident,
    /// A numeric literal.
    Number,
    /// A string literal.
    Str,
    /// One piece of a template literal: from `` ` `` or `}` to `${` or `` ` ``.
    Template,
    /// A regular-expression literal.
    Regex,
    /// A punctuator, including brackets and `=>`.
    Punct,
}

/// One token: its kind, byte range in the source, and whether a line break precedes it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub newline_before: bool,
}

impl Token<'_> {
    /// Whether this is the identifier or keyword `word`.
    pub fn is_word(&self, word: &str) -> bool {
        self.kind == Kind::Ident && self.text == word
    }

    /// Whether this is the punctuator `p`.
    pub fn is_punct(&self, p: &str) -> bool {
        self.kind == Kind::Punct && self.text == p
    }
}

/// A source the tokenizer cannot read (unterminated literal or comment), at a byte offset.
#[derive(Debug)]
pub(crate) struct TokenError {
    pub offset: usize,
    pub message: &'static str,
}

/// Keywords after which a `/` starts a regular expression although they are identifiers.
const REGEX_AFTER_WORDS: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

/// Punctuators, longest first so that the first match is the right one.
const PUNCTUATORS: &[&str] = &[
    ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
    "<<", ">>", "**", "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%",
    "&", "|", "^", "!", "~", "?", ":", "=", ".", "@",
];

fn is_ident_start(c: char) -> bool {
    c == '$' || c == '_' || c == '\\' || c == '#' || c.is_alphabetic()
}

fn is_ident_part(c: char) -> bool {
    c == '$' || c == '_' || c == '\\' || c == '\u{200c}' || c == '\u{200d}' || c.is_alphanumeric()
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// Whether a `/` after `prev` starts a regular expression.
fn regex_allowed(prev: Option<&Token<'_>>) -> bool {
    match prev {
        None => true,
        Some(t) => match t.kind {
            Kind::Ident => REGEX_AFTER_WORDS.contains(&t.text),
            Kind::Number | Kind::Str | Kind::Regex => false,
            Kind::Template => t.text.ends_with("${"),
            Kind::Punct => !matches!(t.text, ")" | "]" | "}" | "++" | "--"),
        },
    }
}

/// Tokenizes `src`.
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token<'_>>, TokenError> {
    let bytes = src.as_bytes();
    let mut tokens: Vec<Token<'_>> = Vec::new();
    // For each open `{` or `${`: whether it opened a template substitution.
    let mut braces: Vec<bool> = Vec::new();
    let mut i = 0;
    let mut newline = false;
    while i < src.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        if is_line_terminator(c) {
            newline = true;
            i += c.len_utf8();
            continue;
        }
        if c.is_whitespace() || c == '\u{feff}' {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        if src[i..].starts_with("//") {
            while i < src.len() {
                let c = src[i..].chars().next().unwrap_or('\n');
                if is_line_terminator(c) {
                    break;
                }
                i += c.len_utf8();
            }
            continue;
        }
        if src[i..].starts_with("/*") {
            let Some(end) = src[i + 2..].find("*/") else {
                return Err(TokenError {
                    offset: start,
                    message: "unterminated comment",
                });
            };
            if src[i..i + 2 + end].chars().any(is_line_terminator) {
                newline = true;
            }
            i += 2 + end + 2;
            continue;
        }
        let kind;
        if c == '"' || c == '\'' {
            i = scan_string(src, i, c)?;
            kind = Kind::Str;
        } else if c == '`' {
            i = scan_template(src, i + 1, &mut braces)?;
            kind = Kind::Template;
        } else if c == '}' && braces.last() == Some(&true) {
            braces.pop();
            i = scan_template(src, i + 1, &mut braces)?;
            kind = Kind::Template;
        } else if c.is_ascii_digit()
            || (c == '.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            i += 1;
            while i < src.len() {
                let b = bytes[i];
                let exp_sign = (b == b'+' || b == b'-')
                    && matches!(bytes[i - 1], b'e' | b'E')
                    && !src[start..].starts_with("0x")
                    && !src[start..].starts_with("0X");
                if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || exp_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            kind = Kind::Number;
        } else if is_ident_start(c) {
            i += c.len_utf8();
            while i < src.len() {
                let c = src[i..].chars().next().unwrap_or(' ');
                if !is_ident_part(c) {
                    break;
                }
                i += c.len_utf8();
            }
            kind = Kind::Ident;
        } else if c == '/' && regex_allowed(tokens.last()) {
            i = scan_regex(src, i)?;
            kind = Kind::Regex;
        } else {
            let p = PUNCTUATORS
                .iter()
                .find(|p| src[i..].starts_with(*p))
                .map_or(c.len_utf8(), |p| p.len());
            i += p;
            kind = Kind::Punct;
            match &src[start..i] {
                "{" => braces.push(false),
                "}" => {
                    braces.pop();
                }
                _ => {}
            }
        }
        tokens.push(Token {
            kind,
            text: &src[start..i],
            start,
            end: i,
            newline_before: newline,
        });
        newline = false;
    }
    Ok(tokens)
}

fn scan_string(src: &str, mut i: usize, quote: char) -> Result<usize, TokenError> {
    let start = i;
    i += 1;
    let mut chars = src[i..].char_indices();
    while let Some((off, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == quote {
            return Ok(i + off + 1);
        } else if c == '\n' || c == '\r' {
            break;
        }
    }
    Err(TokenError {
        offset: start,
        message: "unterminated string literal",
    })
}

/// Scans template text from `i` (just after `` ` `` or `}`) through `` ` `` or `${`.
fn scan_template(src: &str, i: usize, braces: &mut Vec<bool>) -> Result<usize, TokenError> {
    let mut chars = src[i..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '`' => return Ok(i + off + 1),
            '$' if src[i + off..].starts_with("${") => {
                braces.push(true);
                return Ok(i + off + 2);
            }
            _ => {}
        }
    }
    Err(TokenError {
        offset: i.saturating_sub(1),
        message: "unterminated template literal",
    })
}

fn scan_regex(src: &str, i: usize) -> Result<usize, TokenError> {
    let mut in_class = false;
    let mut chars = src[i + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '/' if !in_class => {
                let mut end = i + 1 + off + 1;
                while let Some(c) = src[end..].chars().next() {
                    if !is_ident_part(c) {
                        break;
                    }
                    end += c.len_utf8();
                }
                return Ok(end);
            }
            c if is_line_terminator(c) => break,
            _ => {}
        }
    }
    Err(TokenError {
        offset: i,
        message: "unterminated regular expression",
    })
}

/// For each bracket token (`(`, `[`, `{` and their closers), the index of its partner; template
/// substitutions are not brackets. Unbalanced brackets map to `None`.
pub(crate) fn match_brackets(tokens: &[Token<'_>]) -> Vec<Option<usize>> {
    let mut partner = vec![None; tokens.len()];
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Punct {
            continue;
        }
        match t.text {
            "(" | "[" | "{" => open.push(i),
            ")" | "]" | "}" => {
                if let Some(o) = open.pop() {
                    partner[o] = Some(i);
                    partner[i] = Some(o);
                }
            }
            _ => {}
        }
    }
    partner
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, &str)> {
        tokenize(src)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn regex_and_division_are_told_apart() {
        assert_eq!(
            kinds("a = b / c; r = /x\\/y[/]/g.test(s)")[3..5],
            [(Kind::Punct, "/"), (Kind::Ident, "c")]
        );
        assert!(kinds("return /a+/.test(x)").contains(&(Kind::Regex, "/a+/")));
    }

    #[test]
    fn templates_nest_and_hide_their_text() {
        let k = kinds("`for (${ {a: `x${1}`}.a }) {`");
        assert_eq!(k[0], (Kind::Template, "`for (${"));
        assert_eq!(k.last().unwrap(), &(Kind::Template, "}) {`"));
    }

    #[test]
    fn comments_mark_line_breaks() {
        let t = tokenize("a /* \n */ b // c\n d").unwrap();
        assert!(t[1].newline_before && t[2].newline_before);
    }
}
