//! A subset of Go `text/template` with the docker CLI's functions (`json`, `join`, `table`,
//! `upper`, `truncate`, ...), and the Go encoding rules its output needs (JSON strings,
//! `time.Time.String()`): what `--format` means to `docker images` and `docker search`.

use std::fmt;

use crate::format;
// ---------------------------------------------------------------------------------------------
// Go encoding/json strings and time.Time.String()
// ---------------------------------------------------------------------------------------------

/// Appends `s` as a JSON string the way Go's `encoding/json` (Go 1.22 and later) writes it:
/// `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other control characters as `\u00XX` (lowercase
/// hex), U+2028 and U+2029 always escaped, and, when `escape_html` (as `json.Marshal` does),
/// `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`. Everything else is written as is.
///
/// ```
/// let mut s = String::new();
/// dimg_render::write_go_json_string(&mut s, "<none>\t\"中\"", true);
/// assert_eq!(s, r#""\u003cnone\u003e\t\"中\"""#);
/// ```
pub fn write_go_json_string(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xF)] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0xF)] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `time.Unix(secs, 0).String()` in UTC: `2006-01-02 15:04:05 +0000 UTC`, the
/// `CreatedAt` of `docker images`. (The CLI uses the local time zone; this matches it when the
/// CLI runs with `TZ=UTC`, as on most servers and in containers.)
///
/// ```
/// assert_eq!(dimg_render::go_time_utc(1_704_067_200), "2024-01-01 00:00:00 +0000 UTC");
/// assert_eq!(dimg_render::go_time_utc(-62_135_596_800), "0001-01-01 00:00:00 +0000 UTC");
/// ```
pub fn go_time_utc(secs: i64) -> String {
    let t = format::UtcDateTime::from_unix(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} +0000 UTC",
        t.year,
        t.month,
        t.day,
        t.hour(),
        t.minute(),
        t.second()
    )
}

// ---------------------------------------------------------------------------------------------
// Templates (a subset of Go text/template with the docker CLI's functions)
// ---------------------------------------------------------------------------------------------

/// A `--format` template failed to parse or to execute. `Display` is what the docker CLI
/// prints: `template parsing error: template: :1:2: executing "" at <.Foo>: can't evaluate
/// field Foo in type *formatter.imageContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    message: String,
}

impl TemplateError {
    fn parse(line: usize, what: impl fmt::Display) -> TemplateError {
        TemplateError {
            message: format!("template: :{line}: {what}"),
        }
    }

    fn exec(src: &str, offset: usize, node: &str, what: impl fmt::Display) -> TemplateError {
        let before = &src[..offset.min(src.len())];
        let line = 1 + before.matches('\n').count();
        let col = before.rfind('\n').map_or(offset, |i| offset - i - 1);
        TemplateError {
            message: format!("template: :{line}:{col}: executing \"\" at <{node}>: {what}"),
        }
    }

    /// The message without the `template parsing error: ` prefix.
    ///
    /// ```
    /// let err = dimg_render::Template::parse("{{.ID").unwrap_err();
    /// assert_eq!(err.message(), "template: :1: unclosed action");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template parsing error: {}", self.message)
    }
}

impl std::error::Error for TemplateError {}

/// What a [`Template`] is executed against: one row of a docker listing.
///
/// ```
/// use dimg_render::{Template, TemplateData};
/// struct Pair;
/// impl TemplateData for Pair {
///     fn type_name(&self) -> &'static str { "*main.pair" }
///     fn field(&self, name: &str) -> Option<String> { (name == "A").then(|| "a<b".to_string()) }
///     fn json(&self) -> String { r#"{"A":"a\u003cb"}"#.to_string() }
/// }
/// let t = Template::parse("{{.A}} {{json .A}} {{json .}}").unwrap();
/// assert_eq!(t.execute(&Pair).unwrap(), r#"a<b "a<b" {"A":"a\u003cb"}"#);
/// ```
pub trait TemplateData {
    /// The Go type named in "can't evaluate field" errors, e.g. `*formatter.imageContext`.
    fn type_name(&self) -> &'static str;
    /// The text of field `name` (`{{.Name}}`), `None` when there is no such field.
    fn field(&self, name: &str) -> Option<String>;
    /// The row as `{{json .}}` prints it (Go's `json.Marshal`: keys sorted, HTML escaped).
    fn json(&self) -> String;
}

/// A parsed `--format` template: the part of Go's `text/template` that docker formats use,
/// with the docker CLI's functions.
///
/// Supported: text; actions `{{ pipeline }}` with `{{-` / `-}}` trimming and
/// `{{/* comments */}}`; `.` and fields `.Name` (a chain `.A.B` fails as in Go, fields being
/// strings); string (`"…"`, `` `…` ``), character (`'a'`), integer, `true`/`false` and `nil`
/// literals; parentheses and pipes `a | f`; `{{if …}}…{{else if …}}…{{else}}…{{end}}`; the
/// docker functions `json`, `upper`, `lower`, `title`, `truncate`, `pad`, `split`, `join`; the
/// Go builtins `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `not`, `and`, `or`, `len`, `index`,
/// `slice`, `print`, `printf` (verbs `%s` `%v` `%d` `%q` `%t` `%x` `%X` `%%` with flags, width
/// and precision) and `println`. `range`, `with`, `define`, `template`, `block`, variables and
/// `html`/`js`/`urlquery`/`call` are refused with a parse error. `{{.}}` prints the row as
/// JSON (Go prints its internal struct).
///
/// ```
/// use dimg_render::Template;
/// assert!(Template::parse("{{.ID}}\t{{if .Tag}}{{.Tag}}{{else}}N/A{{end}}").is_ok());
/// let err = Template::parse("{{nosuch .ID}}").unwrap_err();
/// assert_eq!(err.to_string(), r#"template parsing error: template: :1: function "nosuch" not defined"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Text(String),
    Action(Pipe),
    If {
        branches: Vec<(Pipe, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pipe {
    cmds: Vec<Cmd>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cmd {
    args: Vec<Operand>,
}

/// An operand with its position (Go's `Node.Position`) and text (Go's `Node.String`), for
/// error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Operand {
    arg: Arg,
    pos: usize,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    Dot,
    Field(Vec<String>),
    Func(String),
    Str(String),
    Int(i64),
    Bool(bool),
    Nil,
    Sub(Pipe),
}

/// The docker CLI's functions (`templates.basicFunctions`) and Go's builtins dimg has.
const FUNCS: &[&str] = &[
    "json", "upper", "lower", "title", "truncate", "pad", "split", "join", "eq", "ne", "lt", "le", "gt", "ge", "not",
    "and", "or", "len", "index", "slice", "print", "printf", "println",
];

/// Go builtins dimg does not have: defined for Go, so not a "not defined" error.
const UNSUPPORTED_FUNCS: &[&str] = &["html", "js", "urlquery", "call"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Dot,
    /// A field chain and the position Go gives it (that of its last-but-first element).
    Field(Vec<String>),
    Ident(String),
    Str(String),
    Int(i64),
    Pipe,
    Open,
    Close,
    Other(char),
}

/// One lexed token: what, where, and its source text.
#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    pos: usize,
    text: String,
}

/// One `{{ }}` action, lexed.
struct Action {
    toks: Vec<Token>,
    line: usize,
}

enum Item {
    Text(String),
    Action(Action),
}

impl Template {
    /// Parses `source` (already stripped of the `table` prefix and with `\t` / `\n`
    /// replaced, as [`prepare_format`] does).
    ///
    /// # Errors
    /// A [`TemplateError`] worded like Go's (`unclosed action`, `function "x" not defined`,
    /// `unexpected {{end}}`, `unexpected EOF`, …).
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let mut items = lex(source)?;
        items.reverse();
        let (nodes, stop) = parse_list(&mut items)?;
        if let Some((stop, line)) = stop {
            let word = match stop {
                Stop::End => "{{end}}",
                _ => "{{else}}",
            };
            return Err(TemplateError::parse(line, format!("unexpected {word}")));
        }
        Ok(Template {
            source: source.to_string(),
            nodes,
        })
    }

    /// Executes the template for one row.
    ///
    /// # Errors
    /// An unknown field, a function given the wrong type or number of arguments.
    ///
    /// ```
    /// use dimg_render::{Template, TemplateData};
    /// struct Hit;
    /// impl TemplateData for Hit {
    ///     fn type_name(&self) -> &'static str { "*registry.searchContext" }
    ///     fn field(&self, name: &str) -> Option<String> { (name == "Name").then(|| "edge/cjk".into()) }
    ///     fn json(&self) -> String { "{}".into() }
    /// }
    /// let t = Template::parse(r#"{{printf "%-10s|" .Name}}{{upper .Name | len}}"#).unwrap();
    /// assert_eq!(t.execute(&Hit).unwrap(), "edge/cjk  |8");
    /// let err = Template::parse("{{.Stars}}").unwrap().execute(&Hit).unwrap_err();
    /// assert_eq!(err.message(), "template: :1:2: executing \"\" at <.Stars>: can't evaluate field Stars in type *registry.searchContext");
    /// ```
    pub fn execute(&self, data: &dyn TemplateData) -> Result<String, TemplateError> {
        let mut out = String::new();
        exec_nodes(&self.nodes, &Data::Row(data), &self.source, &mut out)?;
        Ok(out)
    }

    /// Executes the template as the CLI does for a table header: fields become their column
    /// titles (`<no value>` for unknown ones) and the docker functions return their argument.
    /// Like the CLI, an error just stops the header where it happened.
    ///
    /// ```
    /// let t = dimg_render::Template::parse("{{.ID}}\t{{upper .Size}}").unwrap();
    /// assert_eq!(t.execute_header(&[("ID", "IMAGE ID"), ("Size", "SIZE")]), "IMAGE ID\tSIZE");
    /// ```
    pub fn execute_header(&self, titles: &[(&str, &str)]) -> String {
        let mut out = String::new();
        let _ = exec_nodes(&self.nodes, &Data::Header(titles), &self.source, &mut out);
        out
    }
}

fn is_go_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits the source into text and lexed actions, applying `{{-` / `-}}` trimming.
fn lex(src: &str) -> Result<Vec<Item>, TemplateError> {
    let mut items = Vec::new();
    let mut pos = 0;
    let mut trim_next = false;
    let bytes = src.as_bytes();
    while pos < src.len() {
        let open = src[pos..].find("{{").map(|i| pos + i);
        let mut text = &src[pos..open.unwrap_or(src.len())];
        if trim_next {
            text = text.trim_start_matches(is_go_space);
        }
        let Some(open) = open else {
            if !text.is_empty() {
                items.push(Item::Text(text.to_string()));
            }
            break;
        };
        let mut inner = open + 2;
        if bytes.get(inner) == Some(&b'-') && bytes.get(inner + 1).is_some_and(|b| is_go_space(*b as char)) {
            text = text.trim_end_matches(is_go_space);
            inner += 2;
        }
        if !text.is_empty() {
            items.push(Item::Text(text.to_string()));
        }
        let line = 1 + src[..open].matches('\n').count();
        if src[inner..].starts_with("/*") {
            // A comment: `{{/* … */}}` or `{{- /* … */ -}}`.
            let Some(end) = src[inner..].find("*/").map(|i| inner + i + 2) else {
                return Err(TemplateError::parse(line, "unclosed comment"));
            };
            let rest = &src[end..];
            (pos, trim_next) = if rest.starts_with(" -}}") {
                (end + 4, true)
            } else if rest.starts_with("}}") {
                (end + 2, false)
            } else {
                return Err(TemplateError::parse(line, "comment ends before closing delimiter"));
            };
            continue;
        }
        let (toks, close, trim) = lex_action(src, inner, line)?;
        items.push(Item::Action(Action { toks, line }));
        pos = close;
        trim_next = trim;
    }
    Ok(items)
}

/// Lexes the inside of an action starting at `start`; returns the tokens, the offset after
/// `}}` and whether it ended with ` -}}`.
fn lex_action(src: &str, start: usize, line: usize) -> Result<(Vec<Token>, usize, bool), TemplateError> {
    let bytes = src.as_bytes();
    let mut toks = Vec::new();
    let mut i = start;
    let word_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    loop {
        while i < bytes.len() && is_go_space(bytes[i] as char) {
            if src[i + 1..].starts_with("-}}") {
                return Ok((toks, i + 4, true));
            }
            i += 1;
        }
        if i >= bytes.len() {
            return Err(TemplateError::parse(line, "unclosed action"));
        }
        if src[i..].starts_with("}}") {
            return Ok((toks, i + 2, false));
        }
        let begin = i;
        let tok = match bytes[i] {
            b'|' => {
                i += 1;
                Tok::Pipe
            }
            b'(' => {
                i += 1;
                Tok::Open
            }
            b')' => {
                i += 1;
                Tok::Close
            }
            b'.' => {
                let mut chain = Vec::new();
                let mut second = None;
                while i < bytes.len() && bytes[i] == b'.' {
                    let mut j = i + 1;
                    while j < bytes.len() && word_char(bytes[j]) {
                        j += 1;
                    }
                    if j == i + 1 {
                        break;
                    }
                    if chain.len() == 1 {
                        second = Some(i);
                    }
                    chain.push(src[i + 1..j].to_string());
                    i = j;
                }
                if chain.is_empty() {
                    i += 1;
                    Tok::Dot
                } else {
                    // Go positions a chain `.A.B` at its second element.
                    toks.push(Token {
                        tok: Tok::Field(chain),
                        pos: second.unwrap_or(begin),
                        text: src[begin..i].to_string(),
                    });
                    continue;
                }
            }
            b'"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    let Some(ch) = src[i..].chars().next() else {
                        return Err(TemplateError::parse(line, "unterminated quoted string"));
                    };
                    i += ch.len_utf8();
                    match ch {
                        '"' => break,
                        '\n' => return Err(TemplateError::parse(line, "unterminated quoted string")),
                        '\\' => {
                            let Some(esc) = src[i..].chars().next() else {
                                return Err(TemplateError::parse(line, "unterminated quoted string"));
                            };
                            i += esc.len_utf8();
                            value.push(match esc {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                '\\' => '\\',
                                '"' => '"',
                                '\'' => '\'',
                                'a' => '\u{7}',
                                'b' => '\u{8}',
                                'f' => '\u{c}',
                                'v' => '\u{b}',
                                _ => return Err(TemplateError::parse(line, "invalid syntax")),
                            });
                        }
                        other => value.push(other),
                    }
                }
                Tok::Str(value)
            }
            b'\'' => {
                // A character constant: its code point.
                let rest = &src[i + 1..];
                let mut chars = rest.chars();
                let (value, used) = match (chars.next(), chars.next(), chars.next()) {
                    (Some('\\'), Some(e), Some('\'')) => {
                        let v = match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '\\' => '\\',
                            '\'' => '\'',
                            _ => return Err(TemplateError::parse(line, "invalid syntax")),
                        };
                        (v, 3)
                    }
                    (Some(c), Some('\''), _) if c != '\\' => (c, c.len_utf8() + 1),
                    _ => return Err(TemplateError::parse(line, "unterminated character constant")),
                };
                i += 1 + used;
                Tok::Int(i64::from(u32::from(value)))
            }
            b'`' => {
                let Some(end) = src[i + 1..].find('`').map(|e| i + 1 + e) else {
                    return Err(TemplateError::parse(line, "unterminated raw quoted string"));
                };
                i = end + 1;
                Tok::Str(src[begin + 1..end].to_string())
            }
            b'0'..=b'9' | b'-' | b'+' => {
                i += 1;
                while i < bytes.len() && (word_char(bytes[i]) || bytes[i] == b'.') {
                    i += 1;
                }
                let text = &src[begin..i];
                match text.replace('_', "").parse::<i64>() {
                    Ok(n) => Tok::Int(n),
                    Err(_) => return Err(TemplateError::parse(line, format!("bad number syntax: {text:?}"))),
                }
            }
            b if word_char(b) => {
                while i < bytes.len() && word_char(bytes[i]) {
                    i += 1;
                }
                Tok::Ident(src[begin..i].to_string())
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                i += ch.len_utf8();
                Tok::Other(ch)
            }
        };
        toks.push(Token {
            tok,
            pos: begin,
            text: src[begin..i].to_string(),
        });
    }
}

/// Why [`parse_list`] stopped before the end of the input.
enum Stop {
    End,
    Else,
    ElseIf(Pipe),
}

/// Nodes, and why and on which line they ended (`None`: at the end of the input).
type NodeList = (Vec<Node>, Option<(Stop, usize)>);

/// Parses nodes until `{{else…}}` / `{{end}}` (returned with its line) or the end of the
/// input. `items` is reversed (next item last).
fn parse_list(items: &mut Vec<Item>) -> Result<NodeList, TemplateError> {
    let mut nodes = Vec::new();
    while let Some(item) = items.pop() {
        let action = match item {
            Item::Text(t) => {
                nodes.push(Node::Text(t));
                continue;
            }
            Item::Action(a) => a,
        };
        let line = action.line;
        let keyword = match action.toks.first() {
            Some(Token { tok: Tok::Ident(w), .. }) => w.as_str(),
            _ => "",
        };
        match keyword {
            "end" => {
                if action.toks.len() > 1 {
                    return Err(TemplateError::parse(line, "unexpected token in end"));
                }
                return Ok((nodes, Some((Stop::End, line))));
            }
            "else" => {
                if action.toks.len() == 1 {
                    return Ok((nodes, Some((Stop::Else, line))));
                }
                if matches!(&action.toks[1].tok, Tok::Ident(w) if w == "if") {
                    let pipe = parse_pipe(&action.toks[2..], line, "if")?;
                    return Ok((nodes, Some((Stop::ElseIf(pipe), line))));
                }
                return Err(TemplateError::parse(line, "unexpected token in else"));
            }
            "if" => {
                let first = parse_pipe(&action.toks[1..], line, "if")?;
                nodes.push(parse_if(first, items, line)?);
            }
            "range" | "with" | "define" | "template" | "block" | "break" | "continue" => {
                return Err(TemplateError::parse(
                    line,
                    format!("{{{{{keyword}}}}} is not supported by dimg's templates"),
                ));
            }
            _ => nodes.push(Node::Action(parse_pipe(&action.toks, line, "command")?)),
        }
    }
    Ok((nodes, None))
}

fn parse_if(first: Pipe, items: &mut Vec<Item>, line: usize) -> Result<Node, TemplateError> {
    let mut branches = Vec::new();
    let mut cond = first;
    loop {
        let (body, stop) = parse_list(items)?;
        branches.push((cond, body));
        match stop {
            None => return Err(TemplateError::parse(line, "unexpected EOF")),
            Some((Stop::End, _)) => {
                return Ok(Node::If {
                    branches,
                    otherwise: Vec::new(),
                });
            }
            Some((Stop::ElseIf(next), _)) => cond = next,
            Some((Stop::Else, _)) => {
                let (otherwise, stop) = parse_list(items)?;
                return match stop {
                    Some((Stop::End, _)) => Ok(Node::If { branches, otherwise }),
                    Some((_, l)) => Err(TemplateError::parse(l, "expected end; found {{else}}")),
                    None => Err(TemplateError::parse(line, "unexpected EOF")),
                };
            }
        }
    }
}

/// Parses a whole action's pipeline.
fn parse_pipe(toks: &[Token], line: usize, context: &str) -> Result<Pipe, TemplateError> {
    if toks.is_empty() {
        return Err(TemplateError::parse(line, format!("missing value for {context}")));
    }
    let mut i = 0;
    let pipe = parse_pipeline(toks, &mut i, line)?;
    match toks.get(i) {
        None => Ok(pipe),
        Some(t) => Err(TemplateError::parse(
            line,
            format!("unexpected {:?} in {context}", t.text),
        )),
    }
}

/// `command ( '|' command )*`, stopping at `)` or the end.
fn parse_pipeline(toks: &[Token], i: &mut usize, line: usize) -> Result<Pipe, TemplateError> {
    let mut cmds = Vec::new();
    loop {
        let mut args = Vec::new();
        while let Some(t) = toks.get(*i) {
            let arg = match &t.tok {
                Tok::Pipe | Tok::Close => break,
                Tok::Dot => Arg::Dot,
                Tok::Field(chain) => Arg::Field(chain.clone()),
                Tok::Str(s) => Arg::Str(s.clone()),
                Tok::Int(n) => Arg::Int(*n),
                Tok::Ident(w) if w == "true" || w == "false" => Arg::Bool(w == "true"),
                Tok::Ident(w) if FUNCS.contains(&w.as_str()) => Arg::Func(w.clone()),
                Tok::Ident(w) if w == "nil" => Arg::Nil,
                Tok::Ident(w) if UNSUPPORTED_FUNCS.contains(&w.as_str()) => {
                    return Err(TemplateError::parse(
                        line,
                        format!("function {w:?} is not supported by dimg"),
                    ));
                }
                Tok::Ident(w) => return Err(TemplateError::parse(line, format!("function {w:?} not defined"))),
                Tok::Open => {
                    *i += 1;
                    let sub = parse_pipeline(toks, i, line)?;
                    if !matches!(toks.get(*i), Some(Token { tok: Tok::Close, .. })) {
                        return Err(TemplateError::parse(line, "unclosed left paren"));
                    }
                    let text = format!("({})", pipe_text(&sub));
                    args.push(Operand {
                        arg: Arg::Sub(sub),
                        pos: t.pos,
                        text,
                    });
                    *i += 1;
                    continue;
                }
                Tok::Other('$') => {
                    return Err(TemplateError::parse(
                        line,
                        "variables are not supported by dimg's templates",
                    ));
                }
                Tok::Other(c) => return Err(TemplateError::parse(line, format!("unexpected {c:?} in command"))),
            };
            args.push(Operand {
                arg,
                pos: t.pos,
                text: t.text.clone(),
            });
            *i += 1;
        }
        if args.is_empty() {
            return Err(TemplateError::parse(line, "missing value for command"));
        }
        cmds.push(Cmd { args });
        match toks.get(*i) {
            Some(Token { tok: Tok::Pipe, .. }) => *i += 1,
            Some(Token { tok: Tok::Close, .. }) => {
                if cmds.is_empty() {
                    return Err(TemplateError::parse(line, "unexpected right paren"));
                }
                return Ok(Pipe { cmds });
            }
            _ => return Ok(Pipe { cmds }),
        }
    }
}

fn pipe_text(pipe: &Pipe) -> String {
    pipe.cmds
        .iter()
        .map(|c| c.args.iter().map(|a| a.text.as_str()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" | ")
}

enum Data<'a> {
    Row(&'a dyn TemplateData),
    Header(&'a [(&'a str, &'a str)]),
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<String>),
    Dot,
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Str(s) => !s.is_empty(),
            Value::Int(n) => *n != 0,
            Value::Bool(b) => *b,
            Value::List(l) => !l.is_empty(),
            Value::Dot => true,
        }
    }

    fn go_type(&self, data: &Data<'_>) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Int(_) => "int",
            Value::Bool(_) => "bool",
            Value::List(_) => "[]string",
            Value::Dot => match data {
                Data::Row(d) => d.type_name(),
                Data::Header(_) => "formatter.SubHeaderContext",
            },
        }
    }

    /// `fmt.Sprint` of one value (what an action prints).
    fn text(&self, data: &Data<'_>) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::List(l) => format!("[{}]", l.join(" ")),
            // Go prints the struct itself (`&{...}`); its JSON is the readable equivalent.
            Value::Dot => match data {
                Data::Row(d) => d.json(),
                Data::Header(titles) => {
                    let mut sorted: Vec<_> = titles.to_vec();
                    sorted.sort();
                    let parts: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("map[{}]", parts.join(" "))
                }
            },
        }
    }
}

fn exec_nodes(nodes: &[Node], data: &Data<'_>, src: &str, out: &mut String) -> Result<(), TemplateError> {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Action(pipe) => out.push_str(&exec_pipe(pipe, data, src)?.text(data)),
            Node::If { branches, otherwise } => {
                let mut done = false;
                for (cond, body) in branches {
                    if exec_pipe(cond, data, src)?.truthy() {
                        exec_nodes(body, data, src, out)?;
                        done = true;
                        break;
                    }
                }
                if !done {
                    exec_nodes(otherwise, data, src, out)?;
                }
            }
        }
    }
    Ok(())
}

fn exec_pipe(pipe: &Pipe, data: &Data<'_>, src: &str) -> Result<Value, TemplateError> {
    let mut piped: Option<Value> = None;
    for cmd in &pipe.cmds {
        piped = Some(exec_cmd(cmd, piped.take(), data, src)?);
    }
    Ok(piped.unwrap_or(Value::Str(String::new())))
}

fn eval_operand(op: &Operand, data: &Data<'_>, src: &str) -> Result<Value, TemplateError> {
    Ok(match &op.arg {
        Arg::Dot => Value::Dot,
        Arg::Str(s) => Value::Str(s.clone()),
        Arg::Int(n) => Value::Int(*n),
        Arg::Bool(b) => Value::Bool(*b),
        Arg::Nil => {
            return Err(TemplateError::exec(src, op.pos, &op.text, "nil is not a command"));
        }
        Arg::Sub(pipe) => exec_pipe(pipe, data, src)?,
        // A function as an argument is called without arguments, as in Go.
        Arg::Func(name) => call(name, op, Vec::new(), &[], data, src)?,
        Arg::Field(chain) => {
            let first = &chain[0];
            let value = match data {
                Data::Row(d) => d.field(first).ok_or_else(|| {
                    TemplateError::exec(
                        src,
                        op.pos,
                        &op.text,
                        format!("can't evaluate field {first} in type {}", d.type_name()),
                    )
                })?,
                Data::Header(titles) => titles
                    .iter()
                    .find(|(k, _)| k == first)
                    .map_or_else(|| "<no value>".to_string(), |(_, v)| (*v).to_string()),
            };
            if let Some(next) = chain.get(1) {
                return Err(TemplateError::exec(
                    src,
                    op.pos,
                    &op.text,
                    format!("can't evaluate field {next} in type string"),
                ));
            }
            Value::Str(value)
        }
    })
}

fn exec_cmd(cmd: &Cmd, piped: Option<Value>, data: &Data<'_>, src: &str) -> Result<Value, TemplateError> {
    let (first, rest) = cmd.args.split_first().expect("commands are never empty");
    let Arg::Func(name) = &first.arg else {
        if !rest.is_empty() || piped.is_some() {
            return Err(TemplateError::exec(
                src,
                first.pos,
                &first.text,
                format!("can't give argument to non-function {}", first.text),
            ));
        }
        return eval_operand(first, data, src);
    };
    // `and` / `or` evaluate their arguments lazily.
    if (name == "and" || name == "or") && !rest.is_empty() {
        let mut last = Value::Bool(false);
        for op in rest {
            last = eval_operand(op, data, src)?;
            if last.truthy() == (name == "or") {
                return Ok(last);
            }
        }
        if let Some(p) = piped {
            return Ok(p);
        }
        return Ok(last);
    }
    let mut args = Vec::with_capacity(rest.len() + 1);
    for op in rest {
        args.push(eval_operand(op, data, src)?);
    }
    let mut ops: Vec<&Operand> = rest.iter().collect();
    if let Some(p) = piped {
        args.push(p);
        ops.push(first);
    }
    let text = cmd.args.iter().map(|a| a.text.as_str()).collect::<Vec<_>>().join(" ");
    let whole = Operand {
        arg: first.arg.clone(),
        pos: first.pos,
        text,
    };
    call(name, first, args, &ops, data, src).map_err(|e| {
        // Go names the whole command when a function itself fails.
        if e.message.contains("error calling ") {
            TemplateError::exec(
                src,
                whole.pos,
                &whole.text,
                e.message.rsplit(">: ").next().unwrap_or(""),
            )
        } else {
            e
        }
    })
}

/// Calls function `name` (at operand `at`) with `args`, which came from the operands `ops`
/// (for the positions of type errors).
fn call(
    name: &str,
    at: &Operand,
    args: Vec<Value>,
    ops: &[&Operand],
    data: &Data<'_>,
    src: &str,
) -> Result<Value, TemplateError> {
    let fail = |what: String| TemplateError::exec(src, at.pos, &at.text, what);
    // Go reports a wrongly typed argument at the argument.
    let fail_arg = |i: usize, what: String| {
        let op = ops.get(i).copied().unwrap_or(at);
        TemplateError::exec(src, op.pos, &op.text, what)
    };
    let (min, max) = match name {
        "json" | "upper" | "lower" | "title" | "not" | "len" => (1, Some(1)),
        "truncate" | "split" | "join" => (2, Some(2)),
        "pad" => (3, Some(3)),
        "ne" | "lt" | "le" | "gt" | "ge" => (2, Some(2)),
        "eq" | "and" | "or" | "index" | "slice" => (1, None),
        "printf" => (1, None),
        _ => (0, None), // print, println
    };
    if args.len() < min || max.is_some_and(|m| args.len() > m) {
        let want = match max {
            Some(m) if m == min => format!("want {min}"),
            _ => format!("want at least {min}"),
        };
        return Err(fail(format!(
            "wrong number of args for {name}: {want} got {}",
            args.len()
        )));
    }
    let string_arg = |i: usize| -> Result<String, TemplateError> {
        match &args[i] {
            Value::Str(s) => Ok(s.clone()),
            other => Err(fail_arg(
                i,
                format!("wrong type for value; expected string; got {}", other.go_type(data)),
            )),
        }
    };
    let int_arg = |i: usize| -> Result<i64, TemplateError> {
        match &args[i] {
            Value::Int(n) => Ok(*n),
            other => Err(fail_arg(
                i,
                format!("wrong type for value; expected int; got {}", other.go_type(data)),
            )),
        }
    };
    if matches!(data, Data::Header(_))
        && matches!(
            name,
            "json" | "upper" | "lower" | "title" | "truncate" | "pad" | "split" | "join"
        )
    {
        // The CLI's HeaderFunctions: the docker functions return their (string) first argument.
        return Ok(Value::Str(string_arg(0)?));
    }
    Ok(match name {
        "json" => {
            let mut out = String::new();
            match &args[0] {
                Value::Dot => out.push_str(&args[0].text(data)),
                Value::Str(s) => write_go_json_string(&mut out, s, false),
                Value::List(l) => {
                    out.push('[');
                    for (i, s) in l.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        write_go_json_string(&mut out, s, false);
                    }
                    out.push(']');
                }
                other => out.push_str(&other.text(data)),
            }
            Value::Str(out)
        }
        "upper" => Value::Str(string_arg(0)?.to_uppercase()),
        "lower" => Value::Str(string_arg(0)?.to_lowercase()),
        "title" => Value::Str(go_title(&string_arg(0)?)),
        "truncate" => {
            let s = string_arg(0)?;
            let n = int_arg(1)?;
            if (s.len() as i64) < n {
                Value::Str(s)
            } else {
                let mut end = usize::try_from(n.max(0)).unwrap_or(0).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                Value::Str(s[..end].to_string())
            }
        }
        "pad" => {
            let s = string_arg(0)?;
            let (l, r) = (int_arg(1)?, int_arg(2)?);
            let spaces = |n: i64| " ".repeat(usize::try_from(n.max(0)).unwrap_or(0));
            Value::Str(if s.is_empty() {
                s
            } else {
                format!("{}{s}{}", spaces(l), spaces(r))
            })
        }
        "split" => {
            let (s, sep) = (string_arg(0)?, string_arg(1)?);
            Value::List(if sep.is_empty() {
                s.chars().map(String::from).collect()
            } else {
                s.split(sep.as_str()).map(String::from).collect()
            })
        }
        "join" => match &args[0] {
            Value::List(l) => Value::Str(l.join(&string_arg(1)?)),
            other => {
                return Err(fail_arg(
                    0,
                    format!("wrong type for value; expected []string; got {}", other.go_type(data)),
                ));
            }
        },
        "not" => Value::Bool(!args[0].truthy()),
        "and" | "or" => args.last().cloned().unwrap_or(Value::Bool(false)),
        "len" => match &args[0] {
            Value::Str(s) => Value::Int(s.len() as i64),
            Value::List(l) => Value::Int(l.len() as i64),
            other => {
                return Err(fail(format!("error calling len: len of type {}", other.go_type(data))));
            }
        },
        "index" => {
            let mut item = args[0].clone();
            for (i, key) in args.iter().enumerate().skip(1) {
                let k = match key {
                    Value::Int(k) => *k,
                    other => {
                        return Err(fail(format!(
                            "error calling index: cannot index slice/array with type {}",
                            other.go_type(data)
                        )));
                    }
                };
                let _ = i;
                item = match &item {
                    Value::List(l) => match usize::try_from(k).ok().and_then(|k| l.get(k)) {
                        Some(s) => Value::Str(s.clone()),
                        None => return Err(fail(format!("error calling index: index out of range: {k}"))),
                    },
                    Value::Str(s) => match usize::try_from(k).ok().and_then(|k| s.as_bytes().get(k)) {
                        Some(b) => Value::Int(i64::from(*b)),
                        None => return Err(fail(format!("error calling index: index out of range: {k}"))),
                    },
                    other => {
                        return Err(fail(format!(
                            "error calling index: can't index item of type {}",
                            other.go_type(data)
                        )));
                    }
                };
            }
            item
        }
        "slice" => {
            let mut bounds = Vec::new();
            for i in 1..args.len() {
                bounds.push(
                    usize::try_from(int_arg(i)?).map_err(|_| fail("error calling slice: index out of range".into()))?,
                );
            }
            let len = match &args[0] {
                Value::Str(s) => s.len(),
                Value::List(l) => l.len(),
                other => {
                    return Err(fail(format!(
                        "error calling slice: can't slice item of type {}",
                        other.go_type(data)
                    )));
                }
            };
            let (lo, hi) = (
                bounds.first().copied().unwrap_or(0),
                bounds.get(1).copied().unwrap_or(len),
            );
            if bounds.len() > 2 || lo > hi || hi > len {
                return Err(fail(format!("error calling slice: invalid slice index: {lo} > {hi}")));
            }
            match &args[0] {
                Value::Str(s) => Value::Str(String::from_utf8_lossy(&s.as_bytes()[lo..hi]).into_owned()),
                Value::List(l) => Value::List(l[lo..hi].to_vec()),
                _ => unreachable!("checked above"),
            }
        }
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
            compare(name, &args).map_err(|e| fail(format!("error calling {name}: {e}")))?
        }
        "print" => {
            let mut out = String::new();
            for (i, v) in args.iter().enumerate() {
                let is_str = |v: &Value| matches!(v, Value::Str(_));
                if i > 0 && !is_str(v) && !is_str(&args[i - 1]) {
                    out.push(' ');
                }
                out.push_str(&v.text(data));
            }
            Value::Str(out)
        }
        "println" => {
            let parts: Vec<String> = args.iter().map(|v| v.text(data)).collect();
            Value::Str(format!("{}\n", parts.join(" ")))
        }
        _ => {
            // printf
            let format = string_arg(0)?;
            Value::Str(go_sprintf(&format, &args[1..], data))
        }
    })
}

/// Go's template comparison functions for basic values.
fn compare(name: &str, args: &[Value]) -> Result<Value, &'static str> {
    use std::cmp::Ordering;
    let order = |a: &Value, b: &Value| -> Result<Ordering, &'static str> {
        match (a, b) {
            (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
            (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
            (Value::Bool(x), Value::Bool(y)) if matches!(name, "eq" | "ne") => Ok(x.cmp(y)),
            (Value::Bool(_), Value::Bool(_)) => Err("invalid type for comparison"),
            (Value::Str(_) | Value::Int(_) | Value::Bool(_), Value::Str(_) | Value::Int(_) | Value::Bool(_)) => {
                Err("incompatible types for comparison")
            }
            _ => Err("invalid type for comparison"),
        }
    };
    Ok(Value::Bool(match name {
        "eq" => {
            let mut any = false;
            for other in &args[1..] {
                if order(&args[0], other)? == Ordering::Equal {
                    any = true;
                    break;
                }
            }
            any
        }
        "ne" => order(&args[0], &args[1])? != Ordering::Equal,
        "lt" => order(&args[0], &args[1])? == Ordering::Less,
        "le" => order(&args[0], &args[1])? != Ordering::Greater,
        "gt" => order(&args[0], &args[1])? == Ordering::Greater,
        _ => order(&args[0], &args[1])? != Ordering::Less,
    }))
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%v %s %d %q %t %x %X %%`, flags `-` `0`
/// `+` ` `, width and precision; Go's `%!v(MISSING)` / `%!(EXTRA …)` markers.
fn go_sprintf(format: &str, args: &[Value], data: &Data<'_>) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut minus, mut zero, mut plus, mut space) = (false, false, false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => minus = true,
                '0' => zero = true,
                '+' => plus = true,
                ' ' => space = true,
                '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width: Option<usize> = None;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            width = Some(width.unwrap_or(0) * 10 + d as usize);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            precision = Some(0);
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                precision = Some(precision.unwrap_or(0) * 10 + d as usize);
                chars.next();
            }
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let body = match (verb, arg) {
            ('v' | 's', Value::Str(_)) | ('v', Value::List(_) | Value::Dot | Value::Bool(_)) => {
                let s = if let Value::Str(s) = arg {
                    s.clone()
                } else {
                    arg.text(data)
                };
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            ('q', Value::Str(s)) => {
                let mut q = String::new();
                write_go_json_string(&mut q, s, false);
                q
            }
            ('d' | 'v', Value::Int(n)) => {
                let sign = if *n < 0 {
                    "-"
                } else if plus {
                    "+"
                } else if space {
                    " "
                } else {
                    ""
                };
                let digits = n.unsigned_abs().to_string();
                if zero && !minus && width.is_some_and(|w| w > digits.len() + sign.len()) {
                    let w = width.unwrap_or(0) - sign.len();
                    format!("{sign}{digits:0>w$}")
                } else {
                    format!("{sign}{digits}")
                }
            }
            ('x', Value::Int(n)) => format!("{n:x}"),
            ('X', Value::Int(n)) => format!("{n:X}"),
            ('x', Value::Str(s)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
            ('X', Value::Str(s)) => s.bytes().map(|b| format!("{b:02X}")).collect(),
            ('t', Value::Bool(b)) => b.to_string(),
            (verb, other) => format!("%!{verb}({}={})", other.go_type(data), other.text(data)),
        };
        let len = body.chars().count();
        match width {
            Some(w) if w > len && minus => out.push_str(&format!("{body}{}", " ".repeat(w - len))),
            Some(w) if w > len => out.push_str(&format!("{}{body}", " ".repeat(w - len))),
            _ => out.push_str(&body),
        }
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| format!("{}={}", a.go_type(data), a.text(data)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

/// Go's deprecated `strings.Title`: upper-cases the first letter of each word, words being
/// separated by anything but letters, digits, `_` and `'`.
fn go_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    out
}

/// How the CLI reads a `--format` value: whether it is a table (`table` prefix), and the
/// template text after `Context.preFormat` (prefix removed, `json` keyword expanded to
/// `{{json .}}`, spaces trimmed, the two-character sequences `\t` and `\n` made real).
///
/// ```
/// use dimg_render::prepare_format;
/// assert_eq!(prepare_format("table {{.ID}}\\t{{.Size}}"), (true, "{{.ID}}\t{{.Size}}".to_string()));
/// assert_eq!(prepare_format("json"), (false, "{{json .}}".to_string()));
/// assert_eq!(prepare_format(" json "), (false, "json".to_string()));
/// ```
pub fn prepare_format(format: &str) -> (bool, String) {
    let table = format.starts_with("table");
    let body = if table {
        &format["table".len()..]
    } else if format == "json" {
        "{{json .}}"
    } else {
        format
    };
    let body = body.trim_matches(' ');
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("\\t") {
            out.push('\t');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("\\n") {
            out.push('\n');
            rest = after;
        } else {
            out.push('\\');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    (table, out)
}

/// `formatter.Context.Write`: parses the format, executes it for every row (each followed by
/// `\n`) and, for a table, puts the header first and aligns everything with the CLI's
/// tabwriter. Nothing is returned when a row fails, as the CLI prints nothing then.
pub(crate) fn write_rows<'r, R>(format: &str, rows: R, titles: &[(&str, &str)]) -> Result<String, TemplateError>
where
    R: IntoIterator<Item = &'r dyn TemplateData>,
{
    let (table, text) = prepare_format(format);
    let template = Template::parse(&text)?;
    let mut body = String::new();
    for row in rows {
        body.push_str(&template.execute(row)?);
        body.push('\n');
    }
    if !table {
        return Ok(body);
    }
    let mut tw = format::TableWriter::new();
    tw.write_str(&template.execute_header(titles));
    tw.write_str("\n");
    tw.write_str(&body);
    Ok(tw.finish())
}
