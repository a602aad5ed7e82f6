//! Support code of the `dimg` example CLI: a small command-line parser that follows the
//! docker CLI's flag syntax (spf13/pflag as docker uses it) and its error wording.
//!
//! - `-a`, `--all`, `--all=false`; combined short flags `-aq`; `-f KEY=VALUE`, `-fKEY=VALUE`,
//!   `-f=KEY=VALUE`, `--filter KEY=VALUE`, `--filter=KEY=VALUE`; `--limit 5`, `--limit=5`;
//! - flags and arguments may be mixed; `--` ends the flags; `-` is an argument;
//! - values are checked while parsing, in order, with pflag's messages
//!   (`invalid argument "x" for "--limit" flag: strconv.ParseInt: parsing "x": invalid syntax`),
//!   which the CLI prints with the usage line and exit status 125, as docker does.
//!
//! ```
//! use dimg_examples::{parse, Flag, Kind};
//! const FLAGS: &[Flag] = &[
//!     Flag::new("all", Some('a'), Kind::Bool, "Show all images"),
//!     Flag::new("quiet", Some('q'), Kind::Bool, "Only show image IDs"),
//!     Flag::new("filter", Some('f'), Kind::Filter, "Filter output"),
//!     Flag::new("limit", None, Kind::Int, "Max number of results"),
//! ];
//! let p = parse(FLAGS, ["-aq", "tiny", "--filter=dangling=false", "-f", "label=x", "--limit", "0x10"]).unwrap();
//! assert!(p.bool("all") && p.bool("quiet"));
//! assert_eq!(p.values("filter"), ["dangling=false", "label=x"]);
//! assert_eq!(p.int("limit"), Some(16));
//! assert_eq!(p.args, ["tiny"]);
//! assert_eq!(
//!     parse(FLAGS, ["-x"]).unwrap_err().to_string(),
//!     "unknown shorthand flag: 'x' in -x"
//! );
//! ```

#![warn(missing_docs)]

use std::fmt;

/// The kind of value a flag takes, and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// No value (`--all`), or `--all=BOOL` with Go's `strconv.ParseBool` spellings.
    Bool,
    /// Any text.
    Str,
    /// A Go `int` (`strconv.ParseInt(s, 0, 64)`: `10`, `-3`, `0x10`, `0o17`, `017`, `1_000`).
    Int,
    /// A Go `uint` (`strconv.ParseUint(s, 0, 64)`).
    Uint,
    /// `KEY=VALUE` (docker's `filter` flag type); repeatable.
    Filter,
    /// Any text, repeatable (docker's `list` flag type, as `-H` has it).
    List,
}

/// One flag of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// Long name, without `--`.
    pub long: &'static str,
    /// Short name, without `-`.
    pub short: Option<char>,
    /// Value kind.
    pub kind: Kind,
    /// One-line help.
    pub help: &'static str,
}

impl Flag {
    /// A flag.
    ///
    /// ```
    /// let f = dimg_examples::Flag::new("no-trunc", None, dimg_examples::Kind::Bool, "Don't truncate output");
    /// assert_eq!(f.display_name(), "--no-trunc");
    /// ```
    pub const fn new(long: &'static str, short: Option<char>, kind: Kind, help: &'static str) -> Flag {
        Flag {
            long,
            short,
            kind,
            help,
        }
    }

    /// How pflag names the flag in errors: `-a, --all` or `--limit`.
    pub fn display_name(&self) -> String {
        match self.short {
            Some(c) => format!("-{c}, --{}", self.long),
            None => format!("--{}", self.long),
        }
    }

    /// The type word of the help listing (`filter`, `string`, `int`, `uint`; empty for bools).
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Bool => "",
            Kind::Str => "string",
            Kind::Int => "int",
            Kind::Uint => "uint",
            Kind::Filter => "filter",
            Kind::List => "list",
        }
    }
}

/// A command line that does not follow a command's flags. `Display` is pflag's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagError(pub String);

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FlagError {}

/// A parsed command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// `(long name, value)` in command-line order; bools hold `true` / `false`.
    pub values: Vec<(&'static str, String)>,
    /// The arguments that are not flags, in order.
    pub args: Vec<String>,
    /// `-h` or `--help` was given.
    pub help: bool,
}

impl Parsed {
    /// The last value of a bool flag, `false` when absent.
    pub fn bool(&self, long: &str) -> bool {
        self.last(long).is_some_and(|v| v == "true")
    }

    /// The last value of a flag.
    pub fn last(&self, long: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(name, _)| *name == long)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeatable flag, in order.
    pub fn values(&self, long: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(name, _)| *name == long)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The last value of an `Int` flag (already checked by [`parse`]).
    pub fn int(&self, long: &str) -> Option<i64> {
        self.last(long).and_then(|v| go_parse_int(v).ok())
    }

    /// The last value of a `Uint` flag (already checked by [`parse`]).
    pub fn uint(&self, long: &str) -> Option<u64> {
        self.last(long).and_then(|v| go_parse_uint(v).ok())
    }
}

/// Parses `args` (without the program and command names) against `flags`.
///
/// # Errors
/// pflag's messages: `unknown flag: --x`, `unknown shorthand flag: 'x' in -x`,
/// `flag needs an argument: --limit`, `flag needs an argument: 'f' in -f`,
/// `bad flag syntax: ---x`, `invalid argument "x" for "-a, --all" flag: …`.
pub fn parse<I, S>(flags: &[Flag], args: I) -> Result<Parsed, FlagError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    parse_args(flags, args.into_iter().map(Into::into).collect(), true)
}

/// Parses the global flags in front of a command, as docker's root command does
/// (pflag with interspersed flags off): flags up to the first argument that is not one;
/// that argument and everything after it are [`Parsed::args`], unparsed.
///
/// ```
/// use dimg_examples::{parse_global, Flag, Kind};
/// const FLAGS: &[Flag] = &[
///     Flag::new("host", Some('H'), Kind::List, "Daemon socket to connect to"),
///     Flag::new("tls", None, Kind::Bool, "Use TLS"),
/// ];
/// let p = parse_global(FLAGS, ["-H", "a", "--tls=false", "-Hb", "images", "-q", "--tls"]).unwrap();
/// assert_eq!(p.values("host"), ["a", "b"]);
/// assert_eq!(p.last("tls"), Some("false"));
/// assert_eq!(p.args, ["images", "-q", "--tls"]);
/// ```
///
/// # Errors
/// As [`parse`].
pub fn parse_global<I, S>(flags: &[Flag], args: I) -> Result<Parsed, FlagError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    parse_args(flags, args.into_iter().map(Into::into).collect(), false)
}

/// [`parse`] (`interspersed`: flags may follow arguments) or [`parse_global`] (they may not).
fn parse_args(flags: &[Flag], mut rest: Vec<String>, interspersed: bool) -> Result<Parsed, FlagError> {
    rest.reverse();
    let mut parsed = Parsed::default();
    while let Some(arg) = rest.pop() {
        if arg == "--" {
            parsed.args.extend(rest.drain(..).rev());
            break;
        }
        if let Some(name) = arg.strip_prefix("--") {
            if name.is_empty() || name.starts_with('-') || name.starts_with('=') {
                return Err(FlagError(format!("bad flag syntax: {arg}")));
            }
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            let Some(flag) = flags.iter().find(|f| f.long == name) else {
                if name == "help" {
                    parsed.help = true;
                    continue;
                }
                return Err(FlagError(format!("unknown flag: --{name}")));
            };
            let value = match (inline, flag.kind) {
                (Some(v), _) => v,
                (None, Kind::Bool) => "true".to_string(),
                (None, _) => rest
                    .pop()
                    .ok_or_else(|| FlagError(format!("flag needs an argument: {arg}")))?,
            };
            set(&mut parsed, flag, value)?;
        } else if arg.len() > 1 && arg.starts_with('-') {
            let mut shorts = &arg[1..];
            while let Some(c) = shorts.chars().next() {
                let after = &shorts[c.len_utf8()..];
                let Some(flag) = flags.iter().find(|f| f.short == Some(c)) else {
                    if c == 'h' {
                        parsed.help = true;
                        shorts = after;
                        continue;
                    }
                    return Err(FlagError(format!(
                        "unknown shorthand flag: {} in -{shorts}",
                        go_quote_char(c)
                    )));
                };
                let value;
                if after.len() > 1 && after.starts_with('=') {
                    value = after[1..].to_string();
                    shorts = "";
                } else if flag.kind == Kind::Bool {
                    value = "true".to_string();
                    shorts = after;
                } else if !after.is_empty() {
                    value = after.to_string();
                    shorts = "";
                } else if let Some(next) = rest.pop() {
                    value = next;
                    shorts = "";
                } else {
                    return Err(FlagError(format!(
                        "flag needs an argument: {} in -{shorts}",
                        go_quote_char(c)
                    )));
                }
                set(&mut parsed, flag, value)?;
            }
        } else {
            parsed.args.push(arg);
            if !interspersed {
                parsed.args.extend(rest.drain(..).rev());
                break;
            }
        }
    }
    Ok(parsed)
}

fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '\\' => "'\\\\'".to_string(),
        c if c.is_control() => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

fn set(parsed: &mut Parsed, flag: &Flag, value: String) -> Result<(), FlagError> {
    let invalid = |why: String| {
        FlagError(format!(
            "invalid argument {} for {} flag: {why}",
            go_quote(&value),
            go_quote(&flag.display_name())
        ))
    };
    let value = match flag.kind {
        Kind::Bool => go_parse_bool(&value).map_err(invalid)?.to_string(),
        Kind::Int => {
            go_parse_int(&value).map_err(invalid)?;
            value
        }
        Kind::Uint => {
            go_parse_uint(&value).map_err(invalid)?;
            value
        }
        Kind::Filter => {
            if !value.contains('=') {
                return Err(invalid("bad format of filter (expected name=value)".to_string()));
            }
            value
        }
        Kind::Str | Kind::List => value,
    };
    parsed.values.push((flag.long, value));
    Ok(())
}

/// Go's `%q` of a string (enough of it for flag values: quotes, backslashes, controls).
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.ParseBool`.
///
/// ```
/// assert_eq!(dimg_examples::go_parse_bool("T"), Ok(true));
/// assert!(dimg_examples::go_parse_bool("yes").is_err());
/// ```
pub fn go_parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing {}: invalid syntax", go_quote(s))),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
///
/// ```
/// use dimg_examples::go_parse_int;
/// assert_eq!(go_parse_int("-0x1F"), Ok(-31));
/// assert_eq!(go_parse_int("010"), Ok(8));
/// assert_eq!(go_parse_int("1_000"), Ok(1000));
/// assert_eq!(go_parse_int("x").unwrap_err(), "strconv.ParseInt: parsing \"x\": invalid syntax");
/// ```
pub fn go_parse_int(s: &str) -> Result<i64, String> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = parse_base0(body).map_err(|e| format!("strconv.ParseInt: parsing {}: {e}", go_quote(s)))?;
    let limit = if neg { 1u128 << 63 } else { (1u128 << 63) - 1 };
    if u128::from(magnitude) > limit {
        return Err(format!("strconv.ParseInt: parsing {}: value out of range", go_quote(s)));
    }
    Ok(if neg {
        (magnitude as i128).wrapping_neg() as i64
    } else {
        magnitude as i64
    })
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
///
/// ```
/// assert_eq!(dimg_examples::go_parse_uint("3"), Ok(3));
/// assert!(dimg_examples::go_parse_uint("-3").is_err());
/// ```
pub fn go_parse_uint(s: &str) -> Result<u64, String> {
    parse_base0(s).map_err(|e| format!("strconv.ParseUint: parsing {}: {e}", go_quote(s)))
}

/// Digits with Go's base prefixes (`0x`, `0o`, `0b`, leading `0` for octal) and underscores
/// (only allowed with base 0, between digits).
fn parse_base0(s: &str) -> Result<u64, &'static str> {
    if s.is_empty() {
        return Err("invalid syntax");
    }
    let lower = s.to_ascii_lowercase();
    let (base, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d, true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d, true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    // Underscores: only between digits, or right after a base prefix.
    let bytes = digits.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let prev_ok = if i == 0 { prefixed } else { bytes[i - 1] != b'_' };
            if !prev_ok || i + 1 == bytes.len() {
                return Err("invalid syntax");
            }
        }
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return Err("invalid syntax");
    }
    let mut value: u64 = 0;
    let mut overflow = false;
    for c in clean.chars() {
        let d = c.to_digit(base).ok_or("invalid syntax")?;
        match value
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if overflow {
        return Err("value out of range");
    }
    Ok(value)
}

/// The width of the terminal on stdout, as Go's `term.GetWinsize` reports it (`Some(0)` for a
/// terminal without a size), or `None` when stdout is not a terminal or the size cannot be
/// read. `docker pull` draws bars only on terminals wider than 110 columns.
///
/// ```
/// let width = dimg_examples::stdout_terminal_width();
/// # let _ = width;
/// ```
pub fn stdout_terminal_width() -> Option<u16> {
    terminal_size::terminal_size_of(std::io::stdout()).map(|(terminal_size::Width(columns), _)| columns)
}

/// The width and height of the terminal on stdout (`None` when stdout is not a terminal or
/// the size cannot be read), for `dimg pull`'s live view of several pulls, which must fit
/// the screen to be redrawn in place.
///
/// ```
/// if let Some((columns, rows)) = dimg_examples::stdout_terminal_size() {
///     assert!(columns > 0 && rows > 0);
/// }
/// ```
pub fn stdout_terminal_size() -> Option<(u16, u16)> {
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(terminal_size::Width(columns), terminal_size::Height(rows))| (columns, rows))
        .filter(|&(columns, rows)| columns > 0 && rows > 0)
}

/// The `Options:` block of a command's help, laid out like cobra's.
///
/// ```
/// use dimg_examples::{options_help, Flag, Kind};
/// let help = options_help(&[Flag::new("all", Some('a'), Kind::Bool, "Show all images")]);
/// assert_eq!(help, "Options:\n  -a, --all   Show all images\n");
/// ```
pub fn options_help(flags: &[Flag]) -> String {
    let lefts: Vec<String> = flags
        .iter()
        .map(|f| {
            let mut left = match f.short {
                Some(c) => format!("  -{c}, --{}", f.long),
                None => format!("      --{}", f.long),
            };
            if !f.type_name().is_empty() {
                left.push(' ');
                left.push_str(f.type_name());
            }
            left
        })
        .collect();
    let width = lefts.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::from("Options:\n");
    for (left, flag) in lefts.iter().zip(flags) {
        let mut lines = flag.help.lines();
        out.push_str(&format!("{left:width$}   {}\n", lines.next().unwrap_or("")));
        for more in lines {
            out.push_str(&format!("{:width$}   {more}\n", ""));
        }
    }
    out
}

/// The flag listing of a help text laid out as pflag's `FlagUsagesWrapped(cols)` lays out
/// docker's `Global Options:`: names aligned, each usage wrapped to `cols` columns, and its
/// default (`Some`: shown as ` (default "…")` for text flags, ` (default …)` for the others).
///
/// ```
/// use dimg_examples::{flag_usages, Flag, Kind};
/// let rows = [
///     (Flag::new("config", None, Kind::Str, "Location of client config files"), Some("/tmp/x".to_string())),
///     (Flag::new("tls", None, Kind::Bool, "Use TLS; implied by --tlsverify"), None),
/// ];
/// assert_eq!(
///     flag_usages(&rows, 79),
///     "      --config string   Location of client config files (default \"/tmp/x\")\n\
///      \x20     --tls             Use TLS; implied by --tlsverify\n"
/// );
/// ```
pub fn flag_usages(rows: &[(Flag, Option<String>)], cols: isize) -> String {
    let lines: Vec<(String, String)> = rows
        .iter()
        .map(|(flag, default)| {
            let mut left = match flag.short {
                Some(c) => format!("  -{c}, --{}", flag.long),
                None => format!("      --{}", flag.long),
            };
            if !flag.type_name().is_empty() {
                left.push(' ');
                left.push_str(flag.type_name());
            }
            let mut usage = flag.help.to_string();
            match (default, flag.kind) {
                (Some(d), Kind::Str) => usage.push_str(&format!(" (default {})", go_quote(d))),
                (Some(d), _) => usage.push_str(&format!(" (default {d})")),
                (None, _) => {}
            }
            (left, usage)
        })
        .collect();
    // pflag's `maxlen` counts the separator it puts after the name.
    let maxlen = lines.iter().map(|(left, _)| left.len() + 1).max().unwrap_or(0);
    let mut out = String::new();
    for (left, usage) in &lines {
        // Go's Fprintln puts a space between its three operands (name, padding, usage).
        let padding = " ".repeat(maxlen - left.len());
        out.push_str(&format!("{left} {padding} {}\n", wrap(maxlen + 2, cols, usage)));
    }
    out
}

/// pflag's `wrap`: `s` wrapped to `width` columns, its lines after the first indented by
/// `indent`; a usage that would get fewer than 24 columns starts on a line of its own.
fn wrap(indent: usize, width: isize, s: &str) -> String {
    let mut indent = indent;
    if width == 0 {
        return s.replace('\n', &format!("\n{}", " ".repeat(indent)));
    }
    let mut room = width - indent as isize;
    let mut out = String::new();
    if room < 24 {
        indent = 16;
        room = width - 16;
        out.push('\n');
        out.push_str(&" ".repeat(indent));
    }
    if room < 24 {
        return s.replace('\n', &out);
    }
    // Lines may run `slop` over rather than leave a short last word on a line of its own.
    let slop = 5;
    let room = (room - slop) as usize;
    let newline = format!("\n{}", " ".repeat(indent));
    let (line, mut rest) = wrap_n(room, slop as usize, s);
    out.push_str(&line.replace('\n', &newline));
    while !rest.is_empty() {
        let (line, more) = wrap_n(room, slop as usize, rest);
        out.push_str(&newline);
        out.push_str(&line.replace('\n', &newline));
        rest = more;
    }
    out
}

/// pflag's `wrapN`: the first line of `s` (up to `i` bytes, broken at a space) and the rest.
fn wrap_n(i: usize, slop: usize, s: &str) -> (&str, &str) {
    if i + slop > s.len() {
        return (s, "");
    }
    let head = &s.as_bytes()[..i];
    let Some(space) = head
        .iter()
        .rposition(|b| matches!(b, b' ' | b'\t' | b'\n'))
        .filter(|&at| at > 0)
    else {
        return (s, "");
    };
    match head.iter().rposition(|&b| b == b'\n') {
        Some(nl) if nl > 0 && nl < space => (&s[..nl], &s[nl + 1..]),
        _ => (&s[..space], &s[space + 1..]),
    }
}

/// The width docker wraps its help to: that of the terminal on standard input (Go's
/// `term.GetWinsize(0)`), else 80, less one.
///
/// ```
/// let cols = dimg_examples::help_width();
/// # let _ = cols;
/// ```
pub fn help_width() -> isize {
    let width = terminal_size::terminal_size_of(std::io::stdin()).map_or(80, |(terminal_size::Width(w), _)| w);
    width as isize - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[Flag] = &[
        Flag::new("all", Some('a'), Kind::Bool, ""),
        Flag::new("quiet", Some('q'), Kind::Bool, ""),
        Flag::new("filter", Some('f'), Kind::Filter, ""),
        Flag::new("limit", None, Kind::Int, ""),
        Flag::new("stars", Some('s'), Kind::Uint, ""),
        Flag::new("format", None, Kind::Str, ""),
    ];

    fn err(args: &[&str]) -> String {
        parse(FLAGS, args.iter().copied()).unwrap_err().to_string()
    }

    #[test]
    fn docker_flag_syntax() {
        let p = parse(FLAGS, ["-qa=false", "x", "--", "-a", "--limit"]).unwrap();
        assert!(p.bool("quiet") && !p.bool("all"));
        assert_eq!(p.args, ["x", "-a", "--limit"]);
        let p = parse(
            FLAGS,
            [
                "-fdangling=true",
                "-f=label=a",
                "-",
                "--format",
                "{{.ID}}",
                "--limit=-5",
            ],
        )
        .unwrap();
        assert_eq!(p.values("filter"), ["dangling=true", "label=a"]);
        assert_eq!(p.args, ["-"]);
        assert_eq!(p.last("format"), Some("{{.ID}}"));
        assert_eq!(p.int("limit"), Some(-5));
        let p = parse(FLAGS, ["-s", "3", "--all=T", "-h"]).unwrap();
        assert_eq!(p.uint("stars"), Some(3));
        assert!(p.bool("all") && p.help);
        assert!(parse(FLAGS, ["--help"]).unwrap().help);
    }

    #[test]
    fn pflag_error_messages() {
        assert_eq!(err(&["-x"]), "unknown shorthand flag: 'x' in -x");
        assert_eq!(err(&["-ax"]), "unknown shorthand flag: 'x' in -x");
        assert_eq!(err(&["-q="]), "unknown shorthand flag: '=' in -=");
        assert_eq!(err(&["--nope"]), "unknown flag: --nope");
        assert_eq!(err(&["--nope=1"]), "unknown flag: --nope");
        assert_eq!(err(&["---x"]), "bad flag syntax: ---x");
        assert_eq!(err(&["--limit"]), "flag needs an argument: --limit");
        assert_eq!(err(&["-f"]), "flag needs an argument: 'f' in -f");
        assert_eq!(err(&["-af"]), "flag needs an argument: 'f' in -f");
        assert_eq!(
            err(&["--limit", "x"]),
            "invalid argument \"x\" for \"--limit\" flag: strconv.ParseInt: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            err(&["--limit", "99999999999999999999"]),
            "invalid argument \"99999999999999999999\" for \"--limit\" flag: strconv.ParseInt: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(
            err(&["-s", "-1"]),
            "invalid argument \"-1\" for \"-s, --stars\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax"
        );
        assert_eq!(
            err(&["-a=x"]),
            "invalid argument \"x\" for \"-a, --all\" flag: strconv.ParseBool: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            err(&["-f", "foo"]),
            "invalid argument \"foo\" for \"-f, --filter\" flag: bad format of filter (expected name=value)"
        );
    }

    #[test]
    fn flags_before_the_command_only() {
        const GLOBAL: &[Flag] = &[
            Flag::new("context", Some('c'), Kind::Str, ""),
            Flag::new("host", Some('H'), Kind::List, ""),
            Flag::new("tlsverify", None, Kind::Bool, ""),
        ];
        let p = parse_global(GLOBAL, ["-cx", "--tlsverify=0", "-H=a", "--", "images", "-H", "b"]).unwrap();
        assert_eq!((p.last("context"), p.last("tlsverify")), (Some("x"), Some("false")));
        assert_eq!(p.values("host"), ["a"]);
        assert_eq!(p.args, ["images", "-H", "b"]);
        assert!(parse_global(GLOBAL, ["-h"]).unwrap().help);
        let e = parse_global(GLOBAL, ["--tlsverify=maybe"]).unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid argument \"maybe\" for \"--tlsverify\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"
        );
        assert_eq!(
            parse_global(GLOBAL, ["-c"]).unwrap_err().to_string(),
            "flag needs an argument: 'c' in -c"
        );
    }

    #[test]
    fn usages_wrap_as_pflag_wraps_them() {
        let rows = [
            (
                Flag::new("config", None, Kind::Str, "Location of client config files"),
                Some("/root/.docker".to_string()),
            ),
            (
                Flag::new(
                    "context",
                    Some('c'),
                    Kind::Str,
                    "Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with \"docker context use\")",
                ),
                None,
            ),
            (
                Flag::new("host", Some('H'), Kind::List, "Daemon socket to connect to"),
                None,
            ),
            (
                Flag::new(
                    "log-level",
                    Some('l'),
                    Kind::Str,
                    "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\")",
                ),
                Some("info".to_string()),
            ),
            (
                Flag::new("tls", None, Kind::Bool, "Use TLS; implied by --tlsverify"),
                Some("true".to_string()),
            ),
        ];
        // `docker --help` 28.2, not on a terminal (80 columns, wrapped to 79), as root.
        assert_eq!(
            flag_usages(&rows, 79),
            "      --config string      Location of client config files (default
                           \"/root/.docker\")
  -c, --context string     Name of the context to use to connect to the
                           daemon (overrides DOCKER_HOST env var and
                           default context set with \"docker context use\")
  -H, --host list          Daemon socket to connect to
  -l, --log-level string   Set the logging level (\"debug\", \"info\",
                           \"warn\", \"error\", \"fatal\") (default \"info\")
      --tls                Use TLS; implied by --tlsverify (default true)
"
        );
        // Too narrow to wrap (a 30-column terminal): pflag does not try.
        assert!(
            flag_usages(&rows, 29)
                .lines()
                .all(|l| !l.starts_with("                           "))
        );
        assert_eq!(wrap(27, 0, "a\nb"), format!("a\n{}b", " ".repeat(27)));
    }

    #[test]
    fn go_integers() {
        assert_eq!(go_parse_int("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(go_parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert!(go_parse_int("9223372036854775808").is_err());
        assert_eq!(go_parse_int("0b101"), Ok(5));
        assert_eq!(go_parse_int("0"), Ok(0));
        assert!(go_parse_int("").is_err());
        assert!(go_parse_int("1__0").is_err());
        assert!(go_parse_int("_1").is_err());
        assert!(go_parse_int("08").is_err());
        assert_eq!(go_parse_uint("0x_ff"), Ok(255));
        assert!(go_parse_uint("+1").is_err());
    }
}
