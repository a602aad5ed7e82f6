//! Text rendering rules of the Docker CLI 28.2.2, as pure functions.
//!
//! Everything here reproduces, byte for byte, what `docker images`, `docker search` and
//! `docker pull` print, so that the example CLI, the Python `__repr__`s and the C callers all
//! render exactly like the real CLI. Each item names the Go code it follows:
//!
//! | Here | Docker CLI 28.2.2 (and what it vendors) |
//! |---|---|
//! | [`human_size_with_precision`], [`human_size`], [`image_size`], [`write_go_g`] | go-units `HumanSizeWithPrecision` / `HumanSize` (`fmt.Sprintf("%.*g%s")`) |
//! | [`human_duration`], [`created_since`] | go-units `HumanDuration`; `imageContext.CreatedSince` |
//! | [`short_id`] | moby `pkg/stringid.TruncateID` |
//! | [`ellipsis`], [`display_width`], [`search_description`] | `cli/command/formatter/displayutils.go` `Ellipsis` (golang.org/x/text/width, Unicode 15.0.0); `cli/command/registry/formatter_search.go` |
//! | [`TableWriter`], [`table`], [`cell_width`] | `cli/command/formatter/tabwriter` (text/tabwriter fork measuring cells with go-runewidth `StringWidth` over rivo/uniseg v0.2 grapheme clusters) with `NewWriter(out, 10, 1, 3, ' ', 0)` |
//! | [`Progress`], [`progress_string`], [`JsonMessage`], [`TtyProgress`], [`non_tty_line`], [`write_message_non_tty`] | moby `pkg/jsonmessage` (`JSONProgress.String`, `JSONMessage.Display`, `DisplayJSONMessagesStream`) |
//!
//! Only `std` is used: the width tables at the end of this file were generated from the Unicode
//! 15.0.0 data files (`EastAsianWidth.txt`, `auxiliary/GraphemeBreakProperty.txt`,
//! `emoji/emoji-data.txt`).

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::grapheme::Gp;
use crate::width_tables::{GRAPHEME, RW_ZERO, WIDE};

// ---------------------------------------------------------------------------------------------
// Go's %g
// ---------------------------------------------------------------------------------------------

/// Appends `v` formatted like Go's `fmt.Sprintf("%.*g", precision, v)`.
///
/// The value is rounded correctly (ties to even on its exact binary value) to `precision`
/// significant digits (0 counts as 1), trailing zeros are dropped, and the exponent form
/// (`1e+03`, at least two exponent digits) is used when the decimal exponent is below -4 or at
/// least `precision`. Infinities print as `+Inf`/`-Inf`, NaN as `NaN`, negative zero as `-0`.
///
/// ```
/// let mut s = String::new();
/// dimg_render::format::write_go_g(&mut s, 999.5, 3);
/// s.push(' ');
/// dimg_render::format::write_go_g(&mut s, 16.905, 3);
/// s.push(' ');
/// dimg_render::format::write_go_g(&mut s, 0.00001234, 3);
/// assert_eq!(s, "1e+03 16.9 1.23e-05");
/// ```
pub fn write_go_g(out: &mut String, v: f64, precision: usize) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    if v.is_sign_negative() {
        out.push('-');
    }
    let prec = precision.max(1);
    let v = v.abs();
    if v == 0.0 {
        finish_g(out, b"", 0, prec);
        return;
    }
    // Rust's `{:.*e}` is exact and rounds ties to even, like Go's strconv: take its digits.
    if prec <= 40 {
        let mut buf = StackBuf::<64>::new();
        // Cannot fail: 40 digits, the point and an exponent fit in 64 bytes.
        let _ = fmt::write(&mut buf, format_args!("{:.*e}", prec - 1, v));
        let (digits, dp) = split_sci(buf.as_bytes());
        finish_g(out, &digits.bytes[..digits.len], dp, prec);
    } else {
        let s = format!("{:.*e}", prec - 1, v);
        let (digits, dp) = split_sci_heap(s.as_bytes());
        finish_g(out, &digits, dp, prec);
    }
}

/// A fixed-capacity `fmt::Write` sink on the stack.
struct StackBuf<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackBuf<N> {
    fn new() -> Self {
        StackBuf { bytes: [0; N], len: 0 }
    }
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl<const N: usize> fmt::Write for StackBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > N {
            return Err(fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Splits Rust's `d.ddde[-]x` into significant digits (trailing zeros trimmed) and the decimal
/// point position `dp` (value = 0.DIGITS × 10^dp), as Go's `decimalSlice`.
fn split_sci(s: &[u8]) -> (StackBuf<64>, i64) {
    let mut digits = StackBuf::<64>::new();
    let e = s.iter().position(|&b| b == b'e').unwrap_or(s.len());
    for &b in &s[..e] {
        if b.is_ascii_digit() {
            digits.bytes[digits.len] = b;
            digits.len += 1;
        }
    }
    while digits.len > 1 && digits.bytes[digits.len - 1] == b'0' {
        digits.len -= 1;
    }
    (digits, parse_exp(&s[e..]) + 1)
}

fn split_sci_heap(s: &[u8]) -> (Vec<u8>, i64) {
    let e = s.iter().position(|&b| b == b'e').unwrap_or(s.len());
    let mut digits: Vec<u8> = s[..e].iter().copied().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, parse_exp(&s[e..]) + 1)
}

/// Parses `e12` / `e-7` (the leading `e` included).
fn parse_exp(s: &[u8]) -> i64 {
    let mut neg = false;
    let mut n: i64 = 0;
    for &b in s.iter().skip(1) {
        match b {
            b'-' => neg = true,
            b'0'..=b'9' => n = n * 10 + i64::from(b - b'0'),
            _ => {}
        }
    }
    if neg { -n } else { n }
}

/// Go strconv `formatDigits` for the `'g'` verb with an explicit precision.
fn finish_g(out: &mut String, d: &[u8], dp: i64, prec: usize) {
    let nd = d.len() as i64;
    let prec = prec as i64;
    let mut eprec = prec;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    let exp = dp - 1;
    if exp < -4 || exp >= eprec {
        let p = prec.min(nd);
        fmt_e(out, d, dp, p - 1);
    } else {
        let p = if prec > dp { nd } else { prec };
        fmt_f(out, d, dp, (p - dp).max(0));
    }
}

/// Go strconv `fmtE`: `d.ddde±dd`.
fn fmt_e(out: &mut String, d: &[u8], dp: i64, prec: i64) {
    out.push(d.first().map_or('0', |&b| b as char));
    if prec > 0 {
        out.push('.');
        let m = d.len().min(prec as usize + 1);
        let mut i = 1;
        if i < m {
            push_ascii(out, &d[i..m]);
            i = m;
        }
        while i as i64 <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push('e');
    let mut exp = if d.is_empty() { 0 } else { dp - 1 };
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    let exp = exp as u64;
    if exp < 10 {
        out.push('0');
        out.push((b'0' + exp as u8) as char);
    } else if exp < 100 {
        out.push((b'0' + (exp / 10) as u8) as char);
        out.push((b'0' + (exp % 10) as u8) as char);
    } else {
        out.push((b'0' + (exp / 100) as u8) as char);
        out.push((b'0' + (exp / 10 % 10) as u8) as char);
        out.push((b'0' + (exp % 10) as u8) as char);
    }
}

/// Go strconv `fmtF`: `ddd.ddd`.
fn fmt_f(out: &mut String, d: &[u8], dp: i64, prec: i64) {
    if dp > 0 {
        let m = d.len().min(dp as usize);
        push_ascii(out, &d[..m]);
        for _ in m as i64..dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            let j = dp + i;
            let ch = if j >= 0 && (j as usize) < d.len() {
                d[j as usize]
            } else {
                b'0'
            };
            out.push(ch as char);
        }
    }
}

fn push_ascii(out: &mut String, digits: &[u8]) {
    for &b in digits {
        out.push(b as char);
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------

const DECIMAL_UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/// Appends go-units `HumanSizeWithPrecision(size, precision)` to `out` (see
/// [`human_size_with_precision`]); allocation-free apart from `out` growing.
///
/// ```
/// let mut s = String::from("SIZE ");
/// dimg_render::format::write_human_size_with_precision(&mut s, 1032.0, 3);
/// assert_eq!(s, "SIZE 1.03kB");
/// ```
pub fn write_human_size_with_precision(out: &mut String, size: f64, precision: usize) {
    let mut size = size;
    let mut i = 0;
    while size >= 1000.0 && i < DECIMAL_UNITS.len() - 1 {
        size /= 1000.0;
        i += 1;
    }
    write_go_g(out, size, precision);
    out.push_str(DECIMAL_UNITS[i]);
}

/// go-units `HumanSizeWithPrecision`: divide by 1000 while the value is ≥ 1000 (up to `YB`),
/// then `fmt.Sprintf("%.*g%s", precision, size, unit)` with the units
/// `B kB MB GB TB PB EB ZB YB` (lowercase `k`, no space).
///
/// Go's `%g` quirks are kept, including docker/cli#3091: 999 500 bytes print as `1e+03kB`.
///
/// ```
/// use dimg_render::format::human_size_with_precision;
/// assert_eq!(human_size_with_precision(520.0, 3), "520B");
/// assert_eq!(human_size_with_precision(19977.0, 3), "20kB");
/// assert_eq!(human_size_with_precision(999500.0, 3), "1e+03kB");
/// assert_eq!(human_size_with_precision(2746000.0, 4), "2.746MB");
/// ```
pub fn human_size_with_precision(size: f64, precision: usize) -> String {
    let mut out = String::with_capacity(12);
    write_human_size_with_precision(&mut out, size, precision);
    out
}

/// go-units `HumanSize`: [`human_size_with_precision`] with 4 significant digits, as used by
/// `docker pull` progress, `.SharedSize`, `.UniqueSize` and `.VirtualSize`.
///
/// ```
/// assert_eq!(dimg_render::format::human_size(174.0), "174B");
/// assert_eq!(dimg_render::format::human_size(32_955_219.0), "32.96MB");
/// ```
pub fn human_size(size: f64) -> String {
    human_size_with_precision(size, 4)
}

/// The `SIZE` column of `docker images`: `HumanSizeWithPrecision(float64(size), 3)`.
///
/// ```
/// use dimg_render::format::image_size;
/// assert_eq!(image_size(6), "6B");
/// assert_eq!(image_size(16905), "16.9kB");
/// assert_eq!(image_size(7_796_011), "7.8MB");
/// ```
pub fn image_size(bytes: i64) -> String {
    human_size_with_precision(bytes as f64, 3)
}

/// `.SharedSize` of `docker images --format`: `N/A` when not counted, else [`human_size`].
///
/// ```
/// assert_eq!(dimg_render::format::shared_size(None), "N/A");
/// assert_eq!(dimg_render::format::shared_size(Some(0)), "0B");
/// ```
pub fn shared_size(shared: Option<i64>) -> String {
    match shared {
        None => "N/A".to_owned(),
        Some(shared) => human_size(shared as f64),
    }
}

/// `.UniqueSize` of `docker images --format`: `N/A` when the size is -1 or the shared size
/// was not counted, else [`human_size`] of `size - shared`.
///
/// ```
/// assert_eq!(dimg_render::format::unique_size(7_000_000, None), "N/A");
/// assert_eq!(dimg_render::format::unique_size(7_000_000, Some(2_000_000)), "5MB");
/// ```
pub fn unique_size(size: i64, shared: Option<i64>) -> String {
    match shared {
        Some(shared) if size != -1 => human_size(size.wrapping_sub(shared) as f64),
        _ => "N/A".to_owned(),
    }
}

/// `.Containers` of `docker images --format`: `N/A` when not counted, else the number.
///
/// ```
/// assert_eq!(dimg_render::format::containers(None), "N/A");
/// assert_eq!(dimg_render::format::containers(Some(3)), "3");
/// ```
pub fn containers(count: Option<i64>) -> String {
    count.map_or_else(|| "N/A".to_owned(), |count| count.to_string())
}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

const NS_PER_SEC: i64 = 1_000_000_000;

/// Go `time.Duration` float accessors: whole units plus the remainder as a fraction.
fn go_units_f64(ns: i64, unit: i64) -> f64 {
    (ns / unit) as f64 + (ns % unit) as f64 / unit as f64
}

/// go-units `HumanDuration` for a Go `time.Duration` given in nanoseconds (may be negative).
///
/// Thresholds: `int(d.Seconds())` < 1 → `Less than a second`; 1 → `1 second`; < 60 →
/// `N seconds`; `int(d.Minutes())` 1 → `About a minute`; < 60 → `N minutes`;
/// `h = int(d.Hours() + 0.5)`: 1 → `About an hour`; < 48 → `N hours`; < 336 → `h/24 days`;
/// < 1440 → `h/24/7 weeks`; < 17520 → `h/24/30 months`; else `int(d.Hours())/24/365 years`.
///
/// ```
/// use dimg_render::format::human_duration_nanos;
/// assert_eq!(human_duration_nanos(-5_000_000_000), "Less than a second");
/// assert_eq!(human_duration_nanos(89 * 60 * 1_000_000_000), "About an hour");
/// assert_eq!(human_duration_nanos(90 * 60 * 1_000_000_000), "2 hours");
/// ```
pub fn human_duration_nanos(ns: i64) -> String {
    let mut out = String::with_capacity(20);
    write_human_duration_nanos(&mut out, ns);
    out
}

/// Appends [`human_duration_nanos`] to `out`.
///
/// ```
/// let mut s = String::new();
/// dimg_render::format::write_human_duration_nanos(&mut s, 45 * 1_000_000_000);
/// assert_eq!(s, "45 seconds");
/// ```
pub fn write_human_duration_nanos(out: &mut String, ns: i64) {
    use fmt::Write as _;
    let seconds = go_units_f64(ns, NS_PER_SEC) as i64;
    if seconds < 1 {
        out.push_str("Less than a second");
        return;
    }
    if seconds == 1 {
        out.push_str("1 second");
        return;
    }
    if seconds < 60 {
        let _ = write!(out, "{seconds} seconds");
        return;
    }
    let minutes = go_units_f64(ns, 60 * NS_PER_SEC) as i64;
    if minutes == 1 {
        out.push_str("About a minute");
        return;
    }
    if minutes < 60 {
        let _ = write!(out, "{minutes} minutes");
        return;
    }
    let hours_f = go_units_f64(ns, 3600 * NS_PER_SEC);
    let hours = (hours_f + 0.5) as i64;
    let _ = match hours {
        1 => {
            out.push_str("About an hour");
            Ok(())
        }
        h if h < 48 => write!(out, "{h} hours"),
        h if h < 24 * 7 * 2 => write!(out, "{} days", h / 24),
        h if h < 24 * 30 * 2 => write!(out, "{} weeks", h / 24 / 7),
        h if h < 24 * 365 * 2 => write!(out, "{} months", h / 24 / 30),
        _ => write!(out, "{} years", hours_f as i64 / 24 / 365),
    };
}

/// go-units `HumanDuration` of a [`Duration`] (saturating at Go's `time.Duration` maximum,
/// about 292 years).
///
/// ```
/// use dimg_render::format::human_duration;
/// use std::time::Duration;
/// assert_eq!(human_duration(Duration::from_millis(450)), "Less than a second");
/// assert_eq!(human_duration(Duration::from_secs(60)), "About a minute");
/// assert_eq!(human_duration(Duration::from_secs(15 * 60)), "15 minutes");
/// assert_eq!(human_duration(Duration::from_secs(13 * 24 * 3600)), "13 days");
/// assert_eq!(human_duration(Duration::from_secs(3 * 365 * 24 * 3600)), "3 years");
/// ```
pub fn human_duration(d: Duration) -> String {
    human_duration_nanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Go's `time.Unix(created, 0)` for which `Time.IsZero()` holds (0001-01-01 00:00:00 UTC).
const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// Go `now.Sub(time.Unix(created, 0))` in nanoseconds, saturating like `Time.Sub`.
fn since_nanos(created_unix: i64, now_unix_nanos: i128) -> i64 {
    let d = now_unix_nanos - i128::from(created_unix) * i128::from(NS_PER_SEC);
    d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// `.CreatedSince` of `docker images` with `now` given in Unix seconds:
/// `HumanDuration(now - created) + " ago"`.
///
/// Creation times in the future print `Less than a second ago`. Like the CLI, the Go zero time
/// (`created_unix == -62135596800`) gives an empty string, which the default table shows as
/// `N/A`.
///
/// ```
/// use dimg_render::format::created_since;
/// assert_eq!(created_since(1_000, 1_000 + 15 * 60), "15 minutes ago");
/// assert_eq!(created_since(2_000, 1_000), "Less than a second ago");
/// ```
pub fn created_since(created_unix: i64, now_unix: i64) -> String {
    created_since_nanos(created_unix, i128::from(now_unix) * i128::from(NS_PER_SEC))
}

/// [`created_since`] measured against a [`SystemTime`] with its full sub-second precision, as
/// the CLI does with `time.Now()`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let now = UNIX_EPOCH + Duration::from_millis(3_599_600);
/// assert_eq!(dimg_render::format::created_since_at(0, now), "59 minutes ago");
/// ```
pub fn created_since_at(created_unix: i64, now: SystemTime) -> String {
    created_since_nanos(created_unix, system_time_nanos(now))
}

/// [`created_since`] against the current clock ([`SystemTime::now`]).
///
/// ```
/// use std::time::{SystemTime, UNIX_EPOCH};
/// let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
/// assert_eq!(dimg_render::format::created_since_now(now - 3 * 3600), "3 hours ago");
/// ```
pub fn created_since_now(created_unix: i64) -> String {
    created_since_at(created_unix, SystemTime::now())
}

fn created_since_nanos(created_unix: i64, now_nanos: i128) -> String {
    if created_unix == GO_ZERO_TIME_UNIX {
        return String::new();
    }
    let mut out = String::with_capacity(24);
    write_human_duration_nanos(&mut out, since_nanos(created_unix, now_nanos));
    out.push_str(" ago");
    out
}

fn system_time_nanos(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

// ---------------------------------------------------------------------------------------------
// IDs
// ---------------------------------------------------------------------------------------------

/// moby `stringid.TruncateID`: drop everything up to and including the first `:`, then keep
/// the first 12 bytes; shorter ids are returned whole.
///
/// (Go slices bytes; for a non-ASCII id the cut is moved back to a character boundary.)
///
/// ```
/// use dimg_render::format::short_id;
/// let id = "sha256:4c34b7be319e90a0ede2073db086bea0a138521dca30ebc3d0b301fff036ca6b";
/// assert_eq!(short_id(id), "4c34b7be319e");
/// assert_eq!(short_id("abc"), "abc");
/// assert_eq!(short_id("a:b:c"), "b:c");
/// ```
pub fn short_id(id: &str) -> &str {
    let id = match id.find(':') {
        Some(i) => &id[i + 1..],
        None => id,
    };
    if id.len() <= 12 {
        return id;
    }
    let mut end = 12;
    while !id.is_char_boundary(end) {
        end -= 1;
    }
    &id[..end]
}

// ---------------------------------------------------------------------------------------------
// Display widths, Ellipsis, search descriptions
// ---------------------------------------------------------------------------------------------

fn in_table(c: u32, table: &[(u32, u32)]) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// golang.org/x/text/width (Unicode 15.0.0) as the CLI's `charWidth`: East Asian Wide and
/// Fullwidth count 2, everything else (ambiguous, neutral, combining, control) counts 1.
fn ellipsis_char_width(c: char) -> usize {
    let c = c as u32;
    if c < 0x1100 || !in_table(c, WIDE) { 1 } else { 2 }
}

/// Display width as docker/cli's `Ellipsis` measures it: every character counts 1 column,
/// except East Asian Wide and Fullwidth ones (CJK ideographs, kana, Hangul syllables, fullwidth
/// forms, most emoji), which count 2 (golang.org/x/text/width, Unicode 15.0.0). Ambiguous-width
/// characters count 1.
///
/// ```
/// use dimg_render::format::display_width;
/// assert_eq!(display_width("tomcat"), 6);
/// assert_eq!(display_width("日本語"), 6);
/// assert_eq!(display_width("…é"), 2);
/// ```
pub fn display_width(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(ellipsis_char_width).sum()
}

/// docker/cli `formatter.Ellipsis`: fit `s` into `max_display_width` columns (as counted by
/// [`display_width`]), replacing the tail with `…` (U+2026) when it does not fit.
///
/// - `0` gives an empty string; `1` gives the first character, whatever its width (Go panics
///   on an empty string there; this returns it empty).
/// - A string that fits is returned unchanged.
/// - Otherwise the longest prefix of at most `max_display_width - 1` columns is kept and `…` is
///   appended. Quirk kept from Go: if the very first character is already wider than that, the
///   whole string is returned untruncated.
///
/// ```
/// use dimg_render::format::ellipsis;
/// assert_eq!(ellipsis("Apache Tomcat", 8), "Apache …");
/// assert_eq!(ellipsis("Apache", 6), "Apache");
/// assert_eq!(ellipsis("日本語テキスト", 6), "日本…");
/// assert_eq!(ellipsis("日本語テキスト", 7), "日本語…");
/// assert_eq!(ellipsis("日本語", 2), "日本語");
/// ```
pub fn ellipsis(s: &str, max_display_width: usize) -> String {
    match max_display_width {
        0 => return String::new(),
        1 => return s.chars().next().map(String::from).unwrap_or_default(),
        _ => {}
    }
    if s.is_ascii() {
        if s.len() <= max_display_width {
            return s.to_owned();
        }
        return with_ellipsis(&s[..max_display_width - 1]);
    }
    if display_width(s) <= max_display_width {
        return s.to_owned();
    }
    let limit = max_display_width - 1;
    let mut acc = 0;
    for (i, c) in s.char_indices() {
        acc += ellipsis_char_width(c);
        if acc > limit {
            if i == 0 {
                // Go finds no cut point when the first rune alone exceeds the limit.
                return s.to_owned();
            }
            return with_ellipsis(&s[..i]);
        }
    }
    s.to_owned()
}

fn with_ellipsis(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 3);
    out.push_str(prefix);
    out.push('…');
    out
}

/// The `DESCRIPTION` cell of `docker search` (and its `--format` `.Description`): `\n` and
/// `\r` each become a space, then, unless `no_trunc`, [`ellipsis`] to 45 columns (44 columns
/// kept plus `…`).
///
/// ```
/// use dimg_render::format::search_description;
/// let d = "Apache Tomcat is an open source implementation of the Java Servlet";
/// assert_eq!(search_description(d, false), "Apache Tomcat is an open source implementati…");
/// assert_eq!(search_description(d, true), d);
/// assert_eq!(search_description("a\r\nb", true), "a  b");
/// ```
pub fn search_description(desc: &str, no_trunc: bool) -> String {
    let cleaned;
    let desc = if desc.contains(['\n', '\r']) {
        cleaned = desc.replace(['\n', '\r'], " ");
        cleaned.as_str()
    } else {
        desc
    };
    if no_trunc { desc.to_owned() } else { ellipsis(desc, 45) }
}

/// The `OFFICIAL` cell of `docker search`: `[OK]` or empty (`--format json` uses
/// `"true"`/`"false"` instead).
///
/// ```
/// assert_eq!(dimg_render::format::search_official(true), "[OK]");
/// assert_eq!(dimg_render::format::search_official(false), "");
/// ```
pub fn search_official(is_official: bool) -> &'static str {
    if is_official { "[OK]" } else { "" }
}

/// go-runewidth `RuneWidth` with a non-East-Asian locale (what the CLI's tabwriter uses).
fn runewidth_rune(c: char) -> usize {
    let c = c as u32;
    if c < 0x20 || (0x7F..=0x9F).contains(&c) || c == 0xAD {
        0
    } else if c < 0x300 {
        1
    } else if in_table(c, RW_ZERO) {
        0
    } else if in_table(c, WIDE) || (0x2FFC..=0x2FFF).contains(&c) || c == 0x31EF {
        // The vendored go-runewidth tables are Unicode 15.1: 2FFC..2FFF and 31EF became Wide.
        2
    } else {
        1
    }
}

/// States of rivo/uniseg v0.2's grapheme parser.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gs {
    Any,
    Cr,
    ControlLf,
    L,
    Lvv,
    Lvtt,
    Prepend,
    ExtPict,
    ExtPictZwj,
    RiOdd,
    RiEven,
}

fn grapheme_property(c: char) -> Gp {
    let c = c as u32;
    if c < 0x7F {
        return match c {
            0x0D => Gp::Cr,
            0x0A => Gp::Lf,
            0x00..=0x1F => Gp::Control,
            _ => Gp::Any,
        };
    }
    if (0xAC00..=0xD7A3).contains(&c) {
        return if (c - 0xAC00) % 28 == 0 { Gp::Lv } else { Gp::Lvt };
    }
    match GRAPHEME.binary_search_by(|&(lo, hi, _)| {
        if hi < c {
            std::cmp::Ordering::Less
        } else if lo > c {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }) {
        Ok(i) => GRAPHEME[i].2,
        Err(_) => Gp::Any,
    }
}

/// One entry of uniseg's `grTransitions` map: (new state, boundary?, rule number).
fn grapheme_rule(state: Gs, prop: Gp) -> Option<(Gs, bool, u16)> {
    Some(match (state, prop) {
        // GB5, GB4, GB3
        (Gs::Any, Gp::Cr) => (Gs::Cr, true, 50),
        (Gs::Any, Gp::Lf) | (Gs::Any, Gp::Control) => (Gs::ControlLf, true, 50),
        (Gs::Cr, Gp::Any) | (Gs::ControlLf, Gp::Any) => (Gs::Any, true, 40),
        (Gs::Cr, Gp::Lf) => (Gs::Any, false, 30),
        // GB6, GB7, GB8
        (Gs::Any, Gp::L) => (Gs::L, true, 9990),
        (Gs::L, Gp::L) => (Gs::L, false, 60),
        (Gs::L, Gp::V) | (Gs::L, Gp::Lv) => (Gs::Lvv, false, 60),
        (Gs::L, Gp::Lvt) => (Gs::Lvtt, false, 60),
        (Gs::Any, Gp::Lv) | (Gs::Any, Gp::V) => (Gs::Lvv, true, 9990),
        (Gs::Lvv, Gp::V) => (Gs::Lvv, false, 70),
        (Gs::Lvv, Gp::T) => (Gs::Lvtt, false, 70),
        (Gs::Any, Gp::Lvt) | (Gs::Any, Gp::T) => (Gs::Lvtt, true, 9990),
        (Gs::Lvtt, Gp::T) => (Gs::Lvtt, false, 80),
        // GB9, GB9a, GB9b
        (Gs::Any, Gp::Extend) | (Gs::Any, Gp::Zwj) => (Gs::Any, false, 90),
        (Gs::Any, Gp::SpacingMark) => (Gs::Any, false, 91),
        (Gs::Any, Gp::Prepend) => (Gs::Prepend, true, 9990),
        (Gs::Prepend, Gp::Any) => (Gs::Any, false, 92),
        // GB11
        (Gs::Any, Gp::ExtPict) => (Gs::ExtPict, true, 9990),
        (Gs::ExtPict, Gp::Extend) => (Gs::ExtPict, false, 110),
        (Gs::ExtPict, Gp::Zwj) => (Gs::ExtPictZwj, false, 110),
        (Gs::ExtPictZwj, Gp::ExtPict) => (Gs::ExtPict, false, 110),
        // GB12, GB13
        (Gs::Any, Gp::RegionalIndicator) => (Gs::RiOdd, true, 9990),
        (Gs::RiOdd, Gp::RegionalIndicator) => (Gs::RiEven, false, 120),
        (Gs::RiEven, Gp::RegionalIndicator) => (Gs::RiOdd, true, 120),
        _ => return None,
    })
}

/// uniseg v0.2 `Graphemes.Next` transition lookup: the specific entry, else the lower-numbered
/// of (state, any) and (any, property), else GB999 (break).
fn grapheme_step(state: Gs, prop: Gp) -> (Gs, bool) {
    if let Some((s, b, _)) = grapheme_rule(state, prop) {
        return (s, b);
    }
    match (grapheme_rule(state, Gp::Any), grapheme_rule(Gs::Any, prop)) {
        (Some(a), Some(b)) => {
            if a.2 < b.2 {
                (a.0, a.1)
            } else {
                (b.0, b.1)
            }
        }
        (Some(a), None) => (a.0, a.1),
        (None, Some(b)) => (b.0, b.1),
        (None, None) => (Gs::Any, true),
    }
}

/// Width of a cell as the CLI's tabwriter measures it: go-runewidth `StringWidth` (non-CJK
/// locale), i.e. for each grapheme cluster (rivo/uniseg v0.2 rules) the width of its first
/// non-zero-width rune, where East Asian Wide/Fullwidth runes are 2, control characters, soft
/// hyphen, zero-width/format characters and `COMBINING …` marks are 0, and everything else is 1.
///
/// This is what aligns `docker images` / `docker search` columns; it differs from
/// [`display_width`] (used for truncation) for combining marks, controls, emoji sequences etc.
///
/// ```
/// use dimg_render::format::cell_width;
/// assert_eq!(cell_width("<none>"), 6);
/// assert_eq!(cell_width("日本語"), 6);
/// assert_eq!(cell_width("e\u{301}"), 1);
/// assert_eq!(cell_width("👍🏽"), 2);
/// ```
pub fn cell_width(s: &str) -> usize {
    let bytes = s.as_bytes();
    if bytes.iter().all(|&b| (0x20..0x7F).contains(&b)) {
        return bytes.len();
    }
    let mut total = 0;
    let mut state = Gs::Any;
    let mut cluster_width = 0; // width of the first non-zero-width rune of the current cluster
    for (i, c) in s.chars().enumerate() {
        let (next, boundary) = grapheme_step(state, grapheme_property(c));
        state = next;
        if i == 0 || boundary {
            total += cluster_width;
            cluster_width = 0;
        }
        if cluster_width == 0 {
            cluster_width = runewidth_rune(c);
        }
    }
    total + cluster_width
}

// ---------------------------------------------------------------------------------------------
// tabwriter
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct Cell {
    start: usize, // byte offset of the text in `TableWriter::buf`
    size: usize,  // bytes
    width: usize, // cell_width of the text
}

/// The Docker CLI's table writer: its fork of Go's `text/tabwriter`, configured as
/// `NewWriter(out, minwidth 10, tabwidth 1, padding 3, ' ', flags 0)`.
///
/// Input is text where `\t` terminates a cell and `\n` a line (`\v` ends a cell too, and `\f`
/// ends a line and flushes, as in Go). Tab-terminated cells of consecutive lines form a column
/// block, and each cell of a block is padded with spaces to
/// `max(minwidth, widest cell + padding)` (widths per [`cell_width`]). A line with fewer cells
/// ends the blocks of the columns it lacks. The last cell of a line is never padded, so a line
/// ending in `\t` (an empty last cell) keeps the padding of the cell before it: `docker search`
/// rows with an empty `OFFICIAL` column end in spaces.
///
/// ```
/// use dimg_render::format::TableWriter;
/// let mut t = TableWriter::new();
/// t.row(&["NAME", "DESCRIPTION", "STARS", "OFFICIAL"]);
/// t.row(&["bitnami/tomcat", "Bitnami Tomcat Docker Image", "29", ""]);
/// assert_eq!(
///     t.finish(),
///     "NAME             DESCRIPTION                   STARS     OFFICIAL\n\
///      bitnami/tomcat   Bitnami Tomcat Docker Image   29        \n"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct TableWriter {
    minwidth: usize,
    padding: usize,
    /// Text of all buffered cells, separators stripped.
    buf: String,
    /// Terminated cells of all buffered lines.
    cells: Vec<Cell>,
    /// Index into `cells` where each buffered line starts; the last entry is the open line.
    line_starts: Vec<usize>,
    /// Byte offset in `buf` where the open (unterminated) cell starts.
    cell_start: usize,
    /// Column widths of the enclosing blocks while formatting.
    widths: Vec<usize>,
    out: String,
}

impl Default for TableWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl TableWriter {
    /// A writer with the Docker CLI's settings (minimum cell width 10, padding 3).
    ///
    /// ```
    /// let mut t = dimg_render::format::TableWriter::new();
    /// t.write_str("a\tb\n");
    /// assert_eq!(t.finish(), "a         b\n");
    /// ```
    pub fn new() -> Self {
        Self::with_options(10, 3)
    }

    /// A writer with another minimum cell width (padding included) and padding, padding with
    /// spaces and no flags, like `tabwriter.NewWriter(out, minwidth, _, padding, ' ', 0)`.
    ///
    /// ```
    /// let mut t = dimg_render::format::TableWriter::with_options(0, 1);
    /// t.write_str("a\tb\nccc\td\n");
    /// assert_eq!(t.finish(), "a   b\nccc d\n");
    /// ```
    pub fn with_options(minwidth: usize, padding: usize) -> Self {
        TableWriter {
            minwidth,
            padding,
            buf: String::new(),
            cells: Vec::new(),
            line_starts: vec![0],
            cell_start: 0,
            widths: Vec::new(),
            out: String::new(),
        }
    }

    /// Writes raw tabwriter input (cells terminated by `\t`, lines by `\n`), like Go's
    /// `Writer.Write`. Input may be split anywhere across calls.
    ///
    /// ```
    /// let mut t = dimg_render::format::TableWriter::new();
    /// t.write_str("REPOSITORY\tTA");
    /// t.write_str("G\n<none>\t<none>\n");
    /// assert_eq!(t.finish(), "REPOSITORY   TAG\n<none>       <none>\n");
    /// ```
    pub fn write_str(&mut self, s: &str) {
        let mut n = 0;
        for (i, b) in s.bytes().enumerate() {
            if matches!(b, b'\t' | b'\x0b' | b'\n' | b'\x0c') {
                self.buf.push_str(&s[n..i]);
                n = i + 1;
                let ncells = self.terminate_cell();
                if b == b'\n' || b == b'\x0c' {
                    self.line_starts.push(self.cells.len());
                    if b == b'\x0c' || ncells == 1 {
                        // A one-cell line cannot affect later alignment: Go flushes here.
                        self.flush_buffered();
                    }
                }
            }
        }
        self.buf.push_str(&s[n..]);
    }

    /// Writes one line: the cells joined by `\t`, then `\n` (exactly what a docker table
    /// template row produces). Tabs or newlines inside a cell act as separators, as in docker.
    ///
    /// ```
    /// let mut t = dimg_render::format::TableWriter::new();
    /// t.row(&["IMAGE ID", "SIZE"]);
    /// t.row(&["4c34b7be319e", "6B"]);
    /// assert_eq!(t.finish(), "IMAGE ID       SIZE\n4c34b7be319e   6B\n");
    /// ```
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.write_str("\t");
            }
            self.write_str(cell.as_ref());
        }
        self.write_str("\n");
    }

    /// Flushes (Go's `Flush`) and returns everything written so far.
    ///
    /// ```
    /// let mut t = dimg_render::format::TableWriter::new();
    /// t.write_str("no newline\tat end");
    /// assert_eq!(t.finish(), "no newline   at end");
    /// ```
    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }

    /// Go's `Flush`: formats the buffered lines into the output, which later writes do not
    /// align with.
    ///
    /// ```
    /// let mut t = dimg_render::format::TableWriter::new();
    /// t.write_str("a\tb\n");
    /// t.flush();
    /// t.write_str("longer-than-ten\tc\n");
    /// assert_eq!(t.finish(), "a         b\nlonger-than-ten   c\n");
    /// ```
    pub fn flush(&mut self) {
        if self.buf.len() > self.cell_start {
            self.terminate_cell();
        }
        self.flush_buffered();
    }

    fn terminate_cell(&mut self) -> usize {
        let start = self.cell_start;
        let size = self.buf.len() - start;
        let width = cell_width(&self.buf[start..]);
        self.cells.push(Cell { start, size, width });
        self.cell_start = self.buf.len();
        self.cells.len() - self.line_starts[self.line_starts.len() - 1]
    }

    fn line(&self, i: usize) -> &[Cell] {
        let start = self.line_starts[i];
        let end = self.line_starts.get(i + 1).copied().unwrap_or(self.cells.len());
        &self.cells[start..end]
    }

    fn flush_buffered(&mut self) {
        let nlines = self.line_starts.len();
        self.format(0, nlines);
        self.buf.clear();
        self.cells.clear();
        self.line_starts.clear();
        self.line_starts.push(0);
        self.cell_start = 0;
        self.widths.clear();
    }

    /// Go's `Writer.format`: finds the blocks of column `widths.len()` in `line0..line1`,
    /// computes their widths and recurses into the next column.
    fn format(&mut self, mut line0: usize, line1: usize) {
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.line(this).len() {
                this += 1;
                continue;
            }
            // A block of column `column` starts here.
            self.write_lines(line0, this);
            line0 = this;
            let mut width = self.minwidth;
            while this < line1 {
                let line = self.line(this);
                if column + 1 >= line.len() {
                    break;
                }
                width = width.max(line[column].width + self.padding);
                this += 1;
            }
            self.widths.push(width);
            self.format(line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(line0, line1);
    }

    fn write_lines(&mut self, line0: usize, line1: usize) {
        let nlines = self.line_starts.len();
        for i in line0..line1 {
            let start = self.line_starts[i];
            let end = self.line_starts.get(i + 1).copied().unwrap_or(self.cells.len());
            for j in start..end {
                let c = self.cells[j];
                let col = j - start;
                self.out.push_str(&self.buf[c.start..c.start + c.size]);
                if let Some(&w) = self.widths.get(col) {
                    push_spaces(&mut self.out, w.saturating_sub(c.width));
                }
            }
            if i + 1 < nlines {
                self.out.push('\n');
            }
        }
    }
}

impl fmt::Write for TableWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        TableWriter::write_str(self, s);
        Ok(())
    }
}

fn push_spaces(out: &mut String, n: usize) {
    const SPACES: &str = "                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// Renders rows through a [`TableWriter`] with the CLI's settings: each row's cells are joined
/// by `\t` and ended by `\n`, the output ends with `\n`.
///
/// ```
/// let rows = vec![
///     vec!["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
///     vec!["myrepo/tiny", "a", "4c34b7be319e", "15 minutes ago", "6B"],
/// ];
/// assert_eq!(
///     dimg_render::format::table(&rows),
///     "REPOSITORY    TAG       IMAGE ID       CREATED          SIZE\n\
///      myrepo/tiny   a         4c34b7be319e   15 minutes ago   6B\n"
/// );
/// ```
pub fn table<S: AsRef<str>>(rows: &[Vec<S>]) -> String {
    let mut t = TableWriter::new();
    for r in rows {
        t.row(r);
    }
    t.finish()
}

// ---------------------------------------------------------------------------------------------
// Pull progress (moby pkg/jsonmessage)
// ---------------------------------------------------------------------------------------------

/// The terminal width `JSONProgress` assumes when it cannot ask the terminal.
const DEFAULT_PROGRESS_WIDTH: u16 = 200;

/// A `progressDetail` object (moby `jsonmessage.JSONProgress`).
///
/// `Progress::default()` is the empty `"progressDetail":{}` that layer status messages such as
/// `Pulling fs layer` carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress<'a> {
    /// `current`: bytes (or `units`) done so far.
    pub current: i64,
    /// `total`: bytes (or `units`) when done; 0 when unknown.
    pub total: i64,
    /// `start`: Unix seconds when the operation started, 0 when unknown (no time left shown).
    pub start: i64,
    /// `hidecounts`: hide the `current/total` numbers.
    pub hide_counts: bool,
    /// `units`: empty for bytes (shown with [`human_size`]), else printed after the numbers.
    pub units: &'a str,
}

impl Progress<'_> {
    /// `JSONProgress.String()` for a terminal `width_cols` wide (`None`: unknown, which Go
    /// treats as 200), with time left computed against `now`.
    ///
    /// - nothing when `current <= 0 && total <= 0`; only `%8v` of `current` when `total <= 0`;
    /// - a 50-cell bar `[==…>   ] ` when the width is over 110;
    /// - `%8v/%v` of [`human_size`] (or `current/total units`; the total is dropped when
    ///   `current > total`);
    /// - ` <time left>` (Go `Duration.String` in whole seconds, e.g. `1m5s`) when the width is
    ///   over 50, `start > 0`, `current > 0` and the bar is below 100 %.
    ///
    /// ```
    /// use dimg_render::format::Progress;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let p = Progress { current: 1_000_000, total: 4_000_000, start: 100, ..Progress::default() };
    /// let now = UNIX_EPOCH + Duration::from_secs(110);
    /// assert_eq!(p.render(Some(80), now), "     1MB/4MB 30s");
    /// assert_eq!(p.render(Some(40), now), "     1MB/4MB");
    /// ```
    pub fn render(&self, width_cols: Option<u16>, now: SystemTime) -> String {
        let mut out = String::new();
        self.write_to(&mut out, width_cols, now);
        out
    }

    /// Appends [`Progress::render`] to `out`.
    ///
    /// ```
    /// use dimg_render::format::Progress;
    /// let mut s = String::from("Downloading ");
    /// let p = Progress { current: 174, total: 174, ..Progress::default() };
    /// p.write_to(&mut s, Some(80), std::time::SystemTime::now());
    /// assert_eq!(s, "Downloading     174B/174B");
    /// ```
    pub fn write_to(&self, out: &mut String, width_cols: Option<u16>, now: SystemTime) {
        use fmt::Write as _;
        let width = i64::from(width_cols.unwrap_or(DEFAULT_PROGRESS_WIDTH));
        if self.current <= 0 && self.total <= 0 {
            return;
        }
        if self.total <= 0 {
            if self.units.is_empty() {
                push_padded8(out, &human_size(self.current as f64));
            } else {
                let _ = write!(out, "{} {}", self.current, self.units);
            }
            return;
        }
        let percentage = (((self.current as f64 / self.total as f64) * 100.0) as i64 / 2).min(50);
        if width > 110 {
            out.push('[');
            for _ in 0..percentage.max(0) {
                out.push('=');
            }
            out.push('>');
            push_spaces(out, (50 - percentage).max(0) as usize);
            out.push_str("] ");
        }
        if self.hide_counts {
        } else if self.units.is_empty() {
            push_padded8(out, &human_size(self.current as f64));
            if self.current <= self.total {
                out.push('/');
                write_human_size_with_precision(out, self.total as f64, 4);
            }
        } else if self.current > self.total {
            let _ = write!(out, "{} {}", self.current, self.units);
        } else {
            let _ = write!(out, "{}/{} {}", self.current, self.total, self.units);
        }
        if self.current > 0 && self.start > 0 && percentage < 50 {
            let from_start = since_nanos(self.start, system_time_nanos(now));
            let per_entry = from_start / self.current;
            let left = self.total.wrapping_sub(self.current).wrapping_mul(per_entry);
            let left = left / NS_PER_SEC * NS_PER_SEC;
            if width > 50 {
                out.push(' ');
                write_go_duration_whole_seconds(out, left);
            }
        }
    }

    /// Whether `JSONProgress.String()` is empty in non-terminal mode (width 200): the rule by
    /// which non-TTY output skips a message (`current <= 0 && total <= 0`).
    ///
    /// ```
    /// use dimg_render::format::Progress;
    /// assert!(Progress::default().renders_empty());
    /// assert!(!Progress { current: 1, ..Progress::default() }.renders_empty());
    /// ```
    pub fn renders_empty(&self) -> bool {
        self.current <= 0 && self.total <= 0
    }
}

/// `fmt.Sprintf("%8v", s)`: right-aligned in 8 characters.
fn push_padded8(out: &mut String, s: &str) {
    push_spaces(out, 8usize.saturating_sub(s.chars().count()));
    out.push_str(s);
}

/// Go `time.Duration.String()` for a whole number of seconds given in nanoseconds.
pub(crate) fn write_go_duration_whole_seconds(out: &mut String, ns: i64) {
    use fmt::Write as _;
    if ns == 0 {
        out.push_str("0s");
        return;
    }
    if ns < 0 {
        out.push('-');
    }
    let secs = ns.unsigned_abs() / NS_PER_SEC as u64;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let _ = if h > 0 {
        write!(out, "{h}h{m}m{s}s")
    } else if m > 0 {
        write!(out, "{m}m{s}s")
    } else {
        write!(out, "{s}s")
    };
}

/// `JSONProgress.String()` for a bare `{"current":…,"total":…}` (no `start`, so no time left),
/// for a terminal `width_cols` wide (`None`: unknown, which Go treats as 200).
///
/// ```
/// use dimg_render::format::progress_string;
/// assert_eq!(progress_string(174, 174, Some(80)), "    174B/174B");
/// assert_eq!(
///     progress_string(16_384, 32_955_219, Some(120)),
///     "[>                                                  ]  16.38kB/32.96MB"
/// );
/// assert_eq!(progress_string(0, 0, None), "");
/// assert_eq!(progress_string(2_048, 0, Some(80)), " 2.048kB");
/// ```
pub fn progress_string(current: i64, total: i64, width_cols: Option<u16>) -> String {
    Progress {
        current,
        total,
        ..Progress::default()
    }
    .render(width_cols, UNIX_EPOCH)
}

/// One message of a pull (or push, load, build…) JSON stream (moby `jsonmessage.JSONMessage`),
/// borrowed from the decoded JSON. `Default` is an empty message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonMessage<'a> {
    /// `id` (layer id, tag…); empty when absent.
    pub id: &'a str,
    /// `status`.
    pub status: &'a str,
    /// `progressDetail`; `Some(Progress::default())` for `"progressDetail":{}`, `None` when the
    /// key is absent.
    pub progress: Option<Progress<'a>>,
    /// `progress` (deprecated pre-rendered bar); only printed when `progressDetail` is absent.
    pub progress_message: &'a str,
    /// `stream` (build output).
    pub stream: &'a str,
    /// `from`.
    pub from: &'a str,
    /// `time` (Unix seconds), 0 when absent. Printed first, as
    /// `2006-01-02T15:04:05.000000000Z` in UTC (Go uses the local time zone, so this matches
    /// the CLI when it runs with `TZ=UTC`).
    pub time: i64,
    /// `timeNano` (Unix nanoseconds), 0 when absent; takes precedence over `time`.
    pub time_nano: i64,
    /// `errorDetail.message`: the message is not printed, the stream stops with this error.
    pub error: Option<&'a str>,
    /// `aux` is present: the message goes to the aux callback and is never printed.
    pub aux: bool,
}

impl<'a> JsonMessage<'a> {
    /// A message with just a status and an optional id.
    ///
    /// ```
    /// let m = dimg_render::format::JsonMessage::status(Some("d8a34c5205df"), "Pull complete");
    /// assert_eq!(m.id, "d8a34c5205df");
    /// assert!(m.progress.is_none());
    /// ```
    pub fn status(id: Option<&'a str>, status: &'a str) -> Self {
        JsonMessage {
            id: id.unwrap_or(""),
            status,
            ..JsonMessage::default()
        }
    }
}

/// `JSONMessage.Display`. Returns `Err(message)` for an error message (nothing printed).
fn display_message<'m>(
    out: &mut String,
    msg: &JsonMessage<'m>,
    tty: bool,
    width: Option<u16>,
    now: SystemTime,
) -> Result<(), &'m str> {
    if let Some(e) = msg.error {
        return Err(e);
    }
    let mut endl = "";
    if tty && msg.stream.is_empty() && msg.progress.is_some() {
        out.push_str("\x1b[2K\r");
        endl = "\r";
    } else if let Some(p) = msg.progress {
        // Progress bars are not printed outside a terminal (nor next to a `stream`).
        let empty = if tty {
            p.render(width, now).is_empty()
        } else {
            p.renders_empty()
        };
        if !empty {
            return Ok(());
        }
    }
    if msg.time_nano != 0 {
        write_rfc3339_nano_fixed(
            out,
            msg.time_nano.div_euclid(NS_PER_SEC),
            msg.time_nano.rem_euclid(NS_PER_SEC),
        );
        out.push(' ');
    } else if msg.time != 0 {
        write_rfc3339_nano_fixed(out, msg.time, 0);
        out.push(' ');
    }
    if !msg.id.is_empty() {
        out.push_str(msg.id);
        out.push_str(": ");
    }
    if !msg.from.is_empty() {
        out.push_str("(from ");
        out.push_str(msg.from);
        out.push_str(") ");
    }
    match msg.progress {
        Some(p) if tty => {
            out.push_str(msg.status);
            out.push(' ');
            p.write_to(out, width, now);
            out.push_str(endl);
        }
        _ if !msg.progress_message.is_empty() => {
            out.push_str(msg.status);
            out.push(' ');
            out.push_str(msg.progress_message);
            out.push_str(endl);
        }
        _ if !msg.stream.is_empty() => {
            out.push_str(msg.stream);
            out.push_str(endl);
        }
        _ => {
            out.push_str(msg.status);
            out.push_str(endl);
            out.push('\n');
        }
    }
    Ok(())
}

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcDateTime {
    /// Year (proleptic Gregorian; may be 0 or negative).
    pub year: i64,
    /// Month, 1 to 12.
    pub month: i64,
    /// Day of the month, 1 to 31.
    pub day: i64,
    /// Seconds since midnight, 0 to 86 399.
    pub second_of_day: i64,
}

impl UtcDateTime {
    /// The UTC date and time of `secs` seconds since the Unix epoch.
    ///
    /// ```
    /// let t = dimg_render::format::UtcDateTime::from_unix(1_704_067_200 + 3_661);
    /// assert_eq!((t.year, t.month, t.day, t.hour(), t.minute(), t.second()), (2024, 1, 1, 1, 1, 1));
    /// ```
    pub fn from_unix(secs: i64) -> UtcDateTime {
        let days = secs.div_euclid(86_400);
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        UtcDateTime {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            second_of_day: secs.rem_euclid(86_400),
        }
    }

    /// Hour, 0 to 23.
    pub fn hour(&self) -> i64 {
        self.second_of_day / 3600
    }

    /// Minute, 0 to 59.
    pub fn minute(&self) -> i64 {
        self.second_of_day / 60 % 60
    }

    /// Second, 0 to 59.
    pub fn second(&self) -> i64 {
        self.second_of_day % 60
    }
}

/// Go's `time.Unix(sec, nsec).Format("2006-01-02T15:04:05.000000000Z07:00")`, in UTC.
fn write_rfc3339_nano_fixed(out: &mut String, secs: i64, nanos: i64) {
    use fmt::Write as _;
    let t = UtcDateTime::from_unix(secs);
    let (y, m, d, sod) = (t.year, t.month, t.day, t.second_of_day);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
}

/// Appends what `docker pull` prints for `msg` when stdout is **not** a terminal
/// (`DisplayJSONMessagesStream` with `isTerminal == false`): `ID: Status\n` (or `Status\n`),
/// nothing for messages whose progress would render (`Downloading`/`Extracting` with numbers)
/// or that carry `aux`. An error message prints nothing and returns `Err(message)`; the CLI
/// stops there and reports it.
///
/// ```
/// use dimg_render::format::{write_message_non_tty, JsonMessage, Progress};
/// let mut out = String::new();
/// let mut m = JsonMessage::status(Some("d8a34c5205df"), "Pulling fs layer");
/// m.progress = Some(Progress::default());
/// write_message_non_tty(&mut out, &m).unwrap();
/// m.status = "Downloading";
/// m.progress = Some(Progress { current: 174, total: 174, ..Progress::default() });
/// write_message_non_tty(&mut out, &m).unwrap();
/// assert_eq!(out, "d8a34c5205df: Pulling fs layer\n");
/// ```
pub fn write_message_non_tty<'m>(out: &mut String, msg: &JsonMessage<'m>) -> Result<(), &'m str> {
    if msg.aux {
        return Ok(());
    }
    display_message(out, msg, false, None, UNIX_EPOCH)
}

/// The line `docker pull` prints for a status message when stdout is not a terminal: `ID:
/// Status`, or `Status` when there is no id (an empty id counts as none), without the trailing
/// newline; `None` when the message is skipped because its `progressDetail` renders to a
/// non-empty string (`has_rendered_progress`, see [`Progress::renders_empty`]).
///
/// ```
/// use dimg_render::format::non_tty_line;
/// assert_eq!(non_tty_line(Some("d8a34c5205df"), "Download complete", false).as_deref(),
///            Some("d8a34c5205df: Download complete"));
/// assert_eq!(non_tty_line(None, "Digest: sha256:9f7a", false).as_deref(), Some("Digest: sha256:9f7a"));
/// assert_eq!(non_tty_line(Some("d8a34c5205df"), "Downloading", true), None);
/// ```
pub fn non_tty_line(id: Option<&str>, status: &str, has_rendered_progress: bool) -> Option<String> {
    if has_rendered_progress {
        return None;
    }
    let id = id.unwrap_or("");
    let mut out = String::with_capacity(id.len() + 2 + status.len());
    if !id.is_empty() {
        out.push_str(id);
        out.push_str(": ");
    }
    out.push_str(status);
    Some(out)
}

/// The terminal renderer of `docker pull` (`DisplayJSONMessagesStream` with
/// `isTerminal == true`): every id that carries a `progressDetail` (or a `progress` string) gets
/// its own line, rewritten in place with `ESC[<n>A` (up), `ESC[2K` (erase line), `\r` and
/// `ESC[<n>B` (down); a message without such an id is printed normally and forgets all line
/// positions (so `pull -a` tags do not overwrite each other).
///
/// ```
/// use dimg_render::format::TtyProgress;
/// let mut tty = TtyProgress::new(Some(80));
/// let mut out = String::new();
/// tty.event(&mut out, Some("1.0"), "Pulling from tiny", None);
/// tty.event(&mut out, Some("d8a34c5205df"), "Pulling fs layer", Some((0, 0)));
/// tty.event(&mut out, Some("d8a34c5205df"), "Downloading", Some((174, 174)));
/// assert_eq!(
///     out,
///     "1.0: Pulling from tiny\n\
///      \n\x1b[1A\x1b[2K\rd8a34c5205df: Pulling fs layer \r\x1b[1B\
///      \x1b[1A\x1b[2K\rd8a34c5205df: Downloading     174B/174B\r\x1b[1B"
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct TtyProgress {
    width_cols: Option<u16>,
    now: Option<SystemTime>,
    ids: HashMap<String, usize>,
}

impl TtyProgress {
    /// A renderer for a terminal `width_cols` columns wide (`None`: unknown, treated as 200 as
    /// Go does when it cannot query the terminal). Bars need more than 110 columns, time left
    /// more than 50.
    ///
    /// ```
    /// let tty = dimg_render::format::TtyProgress::new(Some(120));
    /// assert_eq!(tty.width(), Some(120));
    /// ```
    pub fn new(width_cols: Option<u16>) -> Self {
        TtyProgress {
            width_cols,
            now: None,
            ids: HashMap::new(),
        }
    }

    /// The terminal width in use.
    ///
    /// ```
    /// assert_eq!(dimg_render::format::TtyProgress::new(None).width(), None);
    /// ```
    pub fn width(&self) -> Option<u16> {
        self.width_cols
    }

    /// Changes the terminal width (Go queries it for every message, so a resize applies from
    /// the next message on).
    ///
    /// ```
    /// let mut tty = dimg_render::format::TtyProgress::new(Some(80));
    /// tty.set_width(Some(132));
    /// assert_eq!(tty.width(), Some(132));
    /// ```
    pub fn set_width(&mut self, width_cols: Option<u16>) {
        self.width_cols = width_cols;
    }

    /// Fixes the clock used for time-left estimates (`None`: [`SystemTime::now`]), for
    /// reproducible output.
    ///
    /// ```
    /// let mut tty = dimg_render::format::TtyProgress::new(Some(80));
    /// tty.set_now(Some(std::time::UNIX_EPOCH));
    /// ```
    pub fn set_now(&mut self, now: Option<SystemTime>) {
        self.now = now;
    }

    /// Renders one message, appending the exact bytes the CLI writes to the terminal. An error
    /// message returns `Err(message)` (after the cursor movements the CLI emits for it); the
    /// CLI stops the stream there.
    ///
    /// ```
    /// use dimg_render::format::{JsonMessage, TtyProgress};
    /// let mut tty = TtyProgress::new(Some(80));
    /// let mut out = String::new();
    /// tty.render(&mut out, &JsonMessage::status(None, "Digest: sha256:9f7a")).unwrap();
    /// assert_eq!(out, "Digest: sha256:9f7a\n");
    /// let err = JsonMessage { error: Some("manifest unknown"), ..JsonMessage::default() };
    /// assert_eq!(tty.render(&mut out, &err), Err("manifest unknown"));
    /// ```
    pub fn render<'m>(&mut self, out: &mut String, msg: &JsonMessage<'m>) -> Result<(), &'m str> {
        if msg.aux {
            return Ok(());
        }
        let mut diff = 0;
        if !msg.id.is_empty() && (msg.progress.is_some() || !msg.progress_message.is_empty()) {
            let line = match self.ids.get(msg.id) {
                Some(&line) => line,
                None => {
                    let line = self.ids.len();
                    self.ids.insert(msg.id.to_owned(), line);
                    out.push('\n');
                    line
                }
            };
            diff = self.ids.len() - line;
            push_cursor(out, diff, 'A');
        } else {
            self.ids.clear();
        }
        let now = self.now.unwrap_or_else(SystemTime::now);
        let result = display_message(out, msg, true, self.width_cols, now);
        if !msg.id.is_empty() {
            push_cursor(out, diff, 'B');
        }
        result
    }

    /// Convenience for [`TtyProgress::render`] of a status message: `progress` is `None` when
    /// the message has no `progressDetail`, `Some((0, 0))` for `"progressDetail":{}`, and
    /// `Some((current, total))` otherwise.
    ///
    /// ```
    /// let mut tty = dimg_render::format::TtyProgress::new(Some(80));
    /// let mut out = String::new();
    /// tty.event(&mut out, None, "Status: Downloaded newer image for tiny:1.0", None);
    /// assert_eq!(out, "Status: Downloaded newer image for tiny:1.0\n");
    /// ```
    pub fn event(&mut self, out: &mut String, id: Option<&str>, status: &str, progress: Option<(i64, i64)>) {
        let msg = JsonMessage {
            id: id.unwrap_or(""),
            status,
            progress: progress.map(|(current, total)| Progress {
                current,
                total,
                ..Progress::default()
            }),
            ..JsonMessage::default()
        };
        // Without an error field, rendering cannot fail.
        let _ = self.render(out, &msg);
    }
}

/// aec `Up(n)` / `Down(n)`: `ESC[<n>A` / `ESC[<n>B`, nothing for 0.
fn push_cursor(out: &mut String, n: usize, dir: char) {
    use fmt::Write as _;
    if n > 0 {
        let _ = write!(out, "\x1b[{n}{dir}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: f64, p: usize) -> String {
        let mut s = String::new();
        write_go_g(&mut s, v, p);
        s
    }

    #[test]
    fn go_g_matches_printf() {
        // Expected values are C printf / Go %g (checked against 200 000 random values).
        let cases: &[(f64, usize, &str)] = &[
            (0.0, 3, "0"),
            (-0.0, 3, "-0"),
            (1.0, 0, "1"),
            (0.0001, 3, "0.0001"),
            (0.00001, 3, "1e-05"),
            (123456.0, 3, "1.23e+05"),
            (123456.0, 6, "123456"),
            (100.0, 3, "100"),
            (0.5, 1, "0.5"),
            (2.5, 1, "2"),
            (0.125, 2, "0.12"),
            (999.5, 3, "1e+03"),
            (999.499, 3, "999"),
            (1e21, 3, "1e+21"),
            (1e100, 3, "1e+100"),
            (5e-324, 3, "4.94e-324"),
            (-1000.0, 3, "-1e+03"),
            (f64::INFINITY, 3, "+Inf"),
            (f64::NEG_INFINITY, 3, "-Inf"),
            (f64::NAN, 3, "NaN"),
            (
                117.918_703_671_061_05,
                45,
                "117.918703671061052773438859730958938598632812",
            ),
        ];
        for &(v, p, want) in cases {
            assert_eq!(g(v, p), want, "%.{p}g of {v:e}");
        }
    }

    #[test]
    fn human_sizes_at_boundaries() {
        // (bytes, HumanSizeWithPrecision(.., 3), HumanSize)
        let cases: &[(i64, &str, &str)] = &[
            (0, "0B", "0B"),
            (1, "1B", "1B"),
            (6, "6B", "6B"),
            (520, "520B", "520B"),
            (999, "999B", "999B"),
            (1000, "1kB", "1kB"),
            (1005, "1kB", "1.005kB"),
            (1015, "1.01kB", "1.015kB"),
            (1025, "1.02kB", "1.025kB"),
            (1032, "1.03kB", "1.032kB"),
            (16905, "16.9kB", "16.91kB"),
            (19977, "20kB", "19.98kB"),
            (99949, "99.9kB", "99.95kB"),
            (99950, "100kB", "99.95kB"),
            (999_499, "999kB", "999.5kB"),
            (999_500, "1e+03kB", "999.5kB"),
            (999_999, "1e+03kB", "1000kB"),
            (1_000_000, "1MB", "1MB"),
            (1_004_999, "1MB", "1.005MB"),
            (9_995_000, "9.99MB", "9.995MB"),
            (32_955_219, "33MB", "32.96MB"),
            (999_500_000, "1e+03MB", "999.5MB"),
            (2_147_483_648, "2.15GB", "2.147GB"),
            (i64::MAX, "9.22EB", "9.223EB"),
            (-1, "-1B", "-1B"),
            (-1000, "-1e+03B", "-1000B"),
        ];
        for &(bytes, three, four) in cases {
            assert_eq!(image_size(bytes), three, "image_size({bytes})");
            assert_eq!(human_size(bytes as f64), four, "human_size({bytes})");
        }
        assert_eq!(human_size(1e24), "1YB");
        assert_eq!(human_size(1e27), "1000YB");
        assert_eq!(human_size_with_precision(1e27, 3), "1e+03YB");
        assert_eq!(human_size(f64::INFINITY), "+InfYB");
        assert_eq!(human_size(f64::NAN), "NaNB");
    }

    const SEC: i64 = 1_000_000_000;
    const MIN: i64 = 60 * SEC;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;

    #[test]
    fn human_duration_go_units_table() {
        // go-units duration_test.go
        let (week, month, year) = (7 * DAY, 30 * DAY, 365 * DAY);
        let cases: &[(i64, &str)] = &[
            (450_000_000, "Less than a second"),
            (SEC, "1 second"),
            (45 * SEC, "45 seconds"),
            (59 * SEC, "59 seconds"),
            (60 * SEC, "About a minute"),
            (3 * MIN, "3 minutes"),
            (35 * MIN + 40 * SEC, "35 minutes"),
            (59 * MIN, "59 minutes"),
            (HOUR, "About an hour"),
            (HOUR + 29 * MIN, "About an hour"),
            (HOUR + 31 * MIN, "2 hours"),
            (3 * HOUR + 29 * MIN, "3 hours"),
            (3 * HOUR + 31 * MIN, "4 hours"),
            (24 * HOUR, "24 hours"),
            (DAY + 12 * HOUR, "36 hours"),
            (2 * DAY, "2 days"),
            (7 * DAY, "7 days"),
            (13 * DAY + 5 * HOUR, "13 days"),
            (2 * week, "2 weeks"),
            (2 * week + 4 * DAY, "2 weeks"),
            (4 * week + 3 * DAY, "4 weeks"),
            (month, "4 weeks"),
            (month + 2 * week, "6 weeks"),
            (2 * month, "2 months"),
            (3 * month + week, "3 months"),
            (13 * month, "13 months"),
            (24 * month, "24 months"),
            (24 * month + 2 * week, "2 years"),
            (3 * year + 2 * month, "3 years"),
        ];
        for &(ns, want) in cases {
            assert_eq!(human_duration_nanos(ns), want, "{ns}ns");
        }
    }

    #[test]
    fn human_duration_boundaries() {
        let cases: &[(i64, &str)] = &[
            (0, "Less than a second"),
            (-HOUR, "Less than a second"),
            (SEC - 1, "Less than a second"),
            (2 * SEC - 1, "1 second"),
            (60 * SEC - 1, "59 seconds"),
            (2 * MIN - 1, "About a minute"),
            (59 * MIN + 30 * SEC, "59 minutes"),
            (HOUR - 1, "59 minutes"),
            (89 * MIN + 59 * SEC, "About an hour"),
            (90 * MIN - 1, "About an hour"),
            (90 * MIN, "2 hours"),
            (47 * HOUR + 29 * MIN, "47 hours"),
            (47 * HOUR + 30 * MIN, "2 days"),
            (48 * HOUR, "2 days"),
            (13 * DAY, "13 days"),
            (13 * DAY + 23 * HOUR + 29 * MIN, "13 days"),
            (13 * DAY + 23 * HOUR + 30 * MIN, "2 weeks"),
            (14 * DAY, "2 weeks"),
            (59 * DAY, "8 weeks"),
            (60 * DAY, "2 months"),
            (729 * DAY, "24 months"),
            (730 * DAY - 30 * MIN - SEC, "24 months"),
            // Go quirk: the hours round up to 17520 (years) but the years use the truncated
            // hours; 1ns less still rounds to 17519.5 in float64.
            (730 * DAY - 30 * MIN - 1, "1 years"),
            (730 * DAY - 30 * MIN, "1 years"),
            (730 * DAY, "2 years"),
            (i64::MAX, "292 years"),
        ];
        for &(ns, want) in cases {
            assert_eq!(human_duration_nanos(ns), want, "{ns}ns");
        }
        assert_eq!(human_duration(Duration::MAX), "292 years");
        assert_eq!(human_duration(Duration::from_secs(47 * 3600 + 1800)), "2 days");
    }

    #[test]
    fn created_since_rules() {
        assert_eq!(created_since(100, 100), "Less than a second ago");
        assert_eq!(created_since(200, 100), "Less than a second ago");
        assert_eq!(created_since(0, 15 * 60 + 59), "15 minutes ago");
        assert_eq!(created_since(0, 61), "About a minute ago");
        assert_eq!(created_since(GO_ZERO_TIME_UNIX, 0), "");
        assert_eq!(created_since(i64::MIN, i64::MAX), "292 years ago");
        // Sub-second precision of `now` matters at the boundaries, as with time.Now().
        let now = UNIX_EPOCH + Duration::from_millis(59_999);
        assert_eq!(created_since_at(0, now), "59 seconds ago");
        let before_epoch = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(created_since_at(-100, before_epoch), "About a minute ago");
    }

    #[test]
    fn short_ids() {
        assert_eq!(
            short_id("sha256:e63ddaaad803fc8e7c246145966c3dd9048f4aed6216a898451187327edeec2d"),
            "e63ddaaad803"
        );
        assert_eq!(short_id("e63ddaaad803fc8e"), "e63ddaaad803");
        assert_eq!(short_id("e63ddaaad803"), "e63ddaaad803");
        assert_eq!(short_id("sha256:"), "");
        assert_eq!(short_id(""), "");
        assert_eq!(short_id("ééééééé"), "éééééé");
    }

    #[test]
    fn ellipsis_ascii() {
        let s = "Apache Tomcat is an open source implementation of the Java Servlet";
        assert_eq!(ellipsis(s, 45), "Apache Tomcat is an open source implementati…");
        assert_eq!(ellipsis(&s[..45], 45), &s[..45]);
        assert_eq!(ellipsis(&s[..46], 45), format!("{}…", &s[..44]));
        assert_eq!(ellipsis("abc", 0), "");
        assert_eq!(ellipsis("abc", 1), "a");
        assert_eq!(ellipsis("", 1), "");
        assert_eq!(ellipsis("", 5), "");
        assert_eq!(ellipsis("abc", 2), "a…");
    }

    #[test]
    fn ellipsis_wide_characters() {
        // 日本語テキスト: every character is 2 columns wide.
        let s = "日本語テキスト";
        assert_eq!(display_width(s), 14);
        assert_eq!(ellipsis(s, 14), s);
        assert_eq!(ellipsis(s, 13), "日本語テキス…"); // 12 + 1 columns
        assert_eq!(ellipsis(s, 6), "日本…"); // 語 would straddle the 5-column cut
        assert_eq!(ellipsis(s, 7), "日本語…");
        assert_eq!(ellipsis("a日本", 3), "a…"); // 日 would need columns 2-3
        assert_eq!(ellipsis("ab日本", 4), "ab…");
        assert_eq!(ellipsis("ab日本", 5), "ab日…");
        assert_eq!(ellipsis("日本語", 1), "日");
        assert_eq!(ellipsis("日本語", 2), "日本語"); // Go quirk: no cut point, unchanged
        assert_eq!(ellipsis("日本語", 3), "日…");
        // Ambiguous (…, é), combining and control characters count 1 column each here.
        assert_eq!(display_width("é…\u{301}\u{1}"), 4);
        assert_eq!(ellipsis("ééééé", 4), "ééé…");
        // Unicode 15.0 tables: U+31EF became Wide only in 15.1.
        assert_eq!(display_width("\u{31ef}\u{2ffc}\u{3099}"), 4);
    }

    #[test]
    fn search_descriptions() {
        assert_eq!(search_description("line1\nline2\r\nline3", true), "line1 line2  line3");
        let cjk = "日本語のテキスト説明です。これはテストです。日本語のテキスト説明です";
        assert_eq!(
            search_description(cjk, false),
            "日本語のテキスト説明です。これはテストです。…"
        );
        assert_eq!(search_description(cjk, true), cjk);
        assert_eq!(search_description("", false), "");
    }

    #[test]
    fn cell_widths() {
        let cases: &[(&str, usize)] = &[
            ("", 0),
            ("a", 1),
            ("\u{1}", 0),
            ("\u{7f}\u{85}\u{ad}\u{200b}\u{2028}", 0),
            ("\u{1}\u{301}", 0),
            ("\u{1}\u{941}", 1),  // not named COMBINING: width 1 on its own
            ("\u{1}\u{fe0f}", 1), // variation selectors are not zero-width in this go-runewidth
            ("\u{1}\u{3099}", 0),
            ("e\u{301}", 1),
            ("…", 1),
            ("\u{a0}", 1),
            ("日本語", 6),
            ("\u{ff21}\u{ff71}", 3),
            ("\u{1fad7}\u{1fa75}", 4),
            ("\u{2ffc}\u{31ef}", 4),  // Unicode 15.1 Wide
            ("\u{2630}\u{1fa89}", 2), // Unicode 16.0 Wide: not yet
            ("\u{1f44d}\u{1f3fd}", 2),
            ("\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}", 2),
            ("\u{1f1ef}\u{1f1f5}", 1),
            ("\u{1f1ef}\u{1f1f5}\u{1f1ef}", 2),
            ("\u{263a}\u{fe0f}", 1),
            ("\u{1100}\u{1161}", 2),
            ("\u{1}\u{1160}", 1),
            ("\u{939}\u{93f}\u{928}\u{94d}\u{926}\u{940}", 3),
            ("\u{600}a", 1),
            ("\u{e000}\u{20000}", 3),
            ("a\rb", 2),
            ("a\r\u{301}b", 2),
        ];
        for &(s, want) in cases {
            assert_eq!(cell_width(s), want, "cell_width({s:?})");
        }
    }

    #[test]
    fn grapheme_states() {
        assert_eq!(grapheme_step(Gs::Any, Gp::Any), (Gs::Any, true));
        assert_eq!(grapheme_step(Gs::Prepend, Gp::Cr), (Gs::Cr, true));
        assert_eq!(grapheme_step(Gs::Prepend, Gp::Any), (Gs::Any, false));
        assert_eq!(grapheme_step(Gs::L, Gp::Extend), (Gs::Any, false));
        assert_eq!(grapheme_step(Gs::ExtPict, Gp::SpacingMark), (Gs::Any, false));
        assert_eq!(grapheme_step(Gs::RiEven, Gp::Extend), (Gs::Any, false));
        assert_eq!(grapheme_property('\u{ac00}'), Gp::Lv);
        assert_eq!(grapheme_property('\u{ac01}'), Gp::Lvt);
        assert_eq!(grapheme_property('\u{200d}'), Gp::Zwj);
        assert_eq!(grapheme_property('\u{1f600}'), Gp::ExtPict);
        assert_eq!(grapheme_property('\u{600}'), Gp::Prepend);
    }

    fn lines(ls: &[&str]) -> String {
        ls.concat()
    }

    #[test]
    fn table_docker_images_transcript() {
        let rows = vec![
            vec!["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
            vec!["<none>", "<none>", "e63ddaaad803", "Less than a second ago", "3B"],
            vec!["127.0.0.1:5000/tiny", "1.0", "4c34b7be319e", "15 minutes ago", "6B"],
            vec!["myrepo/tiny", "a", "4c34b7be319e", "15 minutes ago", "6B"],
            vec!["myrepo/tiny", "b", "4c34b7be319e", "15 minutes ago", "6B"],
        ];
        assert_eq!(
            table(&rows),
            lines(&[
                "REPOSITORY            TAG       IMAGE ID       CREATED                  SIZE\n",
                "<none>                <none>    e63ddaaad803   Less than a second ago   3B\n",
                "127.0.0.1:5000/tiny   1.0       4c34b7be319e   15 minutes ago           6B\n",
                "myrepo/tiny           a         4c34b7be319e   15 minutes ago           6B\n",
                "myrepo/tiny           b         4c34b7be319e   15 minutes ago           6B\n",
            ])
        );
        let rows = vec![
            vec!["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
            vec!["myrepo/tiny", "a", "4c34b7be319e", "15 minutes ago", "6B"],
            vec!["myrepo/tiny", "b", "4c34b7be319e", "15 minutes ago", "6B"],
        ];
        assert_eq!(
            table(&rows),
            lines(&[
                "REPOSITORY    TAG       IMAGE ID       CREATED          SIZE\n",
                "myrepo/tiny   a         4c34b7be319e   15 minutes ago   6B\n",
                "myrepo/tiny   b         4c34b7be319e   15 minutes ago   6B\n",
            ])
        );
    }

    #[test]
    fn table_docker_images_digests_transcript() {
        let digest = "sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9";
        let id = "sha256:4c34b7be319e90a0ede2073db086bea0a138521dca30ebc3d0b301fff036ca6b";
        let mut t = TableWriter::new();
        t.row(&["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"]);
        t.row(&[
            "<none>",
            "<none>",
            "<none>",
            short_id("sha256:e63ddaaad803fc8e7c24"),
            "Less than a second ago",
            "3B",
        ]);
        let fifteen = created_since(1_000, 1_000 + 15 * 60 + 42);
        let size = image_size(6);
        t.row(&["127.0.0.1:5000/tiny", "1.0", digest, short_id(id), &fifteen, &size]);
        t.row(&["myrepo/tiny", "a", "<none>", short_id(id), &fifteen, &size]);
        t.row(&["myrepo/tiny", "b", "<none>", short_id(id), &fifteen, &size]);
        assert_eq!(
            t.finish(),
            lines(&[
                "REPOSITORY            TAG       DIGEST                                                                    IMAGE ID       CREATED                  SIZE\n",
                "<none>                <none>    <none>                                                                    e63ddaaad803   Less than a second ago   3B\n",
                "127.0.0.1:5000/tiny   1.0       sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9   4c34b7be319e   15 minutes ago           6B\n",
                "myrepo/tiny           a         <none>                                                                    4c34b7be319e   15 minutes ago           6B\n",
                "myrepo/tiny           b         <none>                                                                    4c34b7be319e   15 minutes ago           6B\n",
            ])
        );
    }

    fn search_table(results: &[(&str, &str, i64, bool)], no_trunc: bool) -> String {
        let mut t = TableWriter::new();
        t.row(&["NAME", "DESCRIPTION", "STARS", "OFFICIAL"]);
        for &(name, desc, stars, official) in results {
            let desc = search_description(desc, no_trunc);
            t.row(&[name, &desc, &stars.to_string(), search_official(official)]);
        }
        t.finish()
    }

    #[test]
    fn table_docker_search_transcripts() {
        let results = [
            (
                "library/tomcat",
                "Apache Tomcat is an open source implementation of the Java Servlet",
                2464,
                true,
            ),
            ("bitnami/tomcat", "Bitnami Tomcat Docker Image", 29, false),
        ];
        assert_eq!(
            search_table(&results, false),
            lines(&[
                "NAME             DESCRIPTION                                     STARS     OFFICIAL\n",
                "library/tomcat   Apache Tomcat is an open source implementati…   2464      [OK]\n",
                "bitnami/tomcat   Bitnami Tomcat Docker Image                     29        \n",
            ])
        );
        assert_eq!(
            search_table(&results, true),
            lines(&[
                "NAME             DESCRIPTION                                                          STARS     OFFICIAL\n",
                "library/tomcat   Apache Tomcat is an open source implementation of the Java Servlet   2464      [OK]\n",
                "bitnami/tomcat   Bitnami Tomcat Docker Image                                          29        \n",
            ])
        );
        assert_eq!(
            search_table(&results[1..], false),
            lines(&[
                "NAME             DESCRIPTION                   STARS     OFFICIAL\n",
                "bitnami/tomcat   Bitnami Tomcat Docker Image   29        \n",
            ])
        );
    }

    #[test]
    fn table_cjk_description_observed() {
        // Observed with the real CLI: the truncated CJK cell is 45 columns wide (44 + "…").
        let cjk = "日本語のテキスト説明です。これはテストです。日本語のテキスト説明です";
        assert_eq!(
            search_table(&[("x/y", cjk, 3, false)], false),
            lines(&[
                "NAME      DESCRIPTION                                     STARS     OFFICIAL\n",
                "x/y       日本語のテキスト説明です。これはテストです。…   3         \n",
            ])
        );
    }

    #[test]
    fn tabwriter_column_blocks() {
        // The text/tabwriter documentation example: the b and c cells are in distinct
        // columns because the `a` line interrupts the block.
        let mut t = TableWriter::with_options(0, 1);
        t.write_str("aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n");
        assert_eq!(t.finish(), "aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n");

        // A one-cell line ends every block (and flushes); padding of empty cells.
        let mut t = TableWriter::new();
        t.write_str("a\tb\tc\n\tx\t\nheader only\nlong-cell-here\ty\n");
        assert_eq!(
            t.finish(),
            "a         b         c\n          x         \nheader only\nlong-cell-here   y\n"
        );

        // Text after the last newline is flushed unterminated; a trailing tab without newline
        // leaves the last cell unpadded.
        let mut t = TableWriter::new();
        t.write_str("a\tb\t");
        assert_eq!(t.finish(), "a         b");

        // \v terminates a cell like \t; \f ends the line and the blocks.
        let mut t = TableWriter::new();
        t.write_str("a\x0bb\x0clonger-than-ten\tc\n");
        assert_eq!(t.finish(), "a         b\nlonger-than-ten   c\n");

        // Widths per cell_width, not bytes or chars.
        let mut t = TableWriter::new();
        t.write_str("日本語日本語\tx\ne\u{301}\ty\n");
        assert_eq!(t.finish(), "日本語日本語   x\ne\u{301}              y\n");

        // A tab inside a cell value splits it, as docker's template output does.
        assert_eq!(
            table(&[vec!["a\tb", "c"], vec!["d", "e"]]),
            "a         b         c\nd         e\n"
        );
        assert_eq!(table::<&str>(&[]), "");
        assert_eq!(TableWriter::default().finish(), "");
    }

    #[test]
    fn tabwriter_fmt_write() {
        use std::fmt::Write as _;
        let mut t = TableWriter::new();
        writeln!(t, "ID\t{}", 42).unwrap();
        assert_eq!(t.finish(), "ID        42\n");
    }

    #[test]
    fn progress_strings() {
        assert_eq!(progress_string(0, 0, Some(200)), "");
        assert_eq!(progress_string(-5, 0, Some(200)), "");
        assert_eq!(progress_string(174, 174, Some(80)), "    174B/174B");
        assert_eq!(progress_string(174, 174, Some(110)), "    174B/174B");
        assert_eq!(
            progress_string(174, 174, Some(111)),
            "[==================================================>]     174B/174B"
        );
        assert_eq!(
            progress_string(174, 174, None),
            "[==================================================>]     174B/174B"
        );
        assert_eq!(
            progress_string(16_000_000, 32_000_000, Some(120)),
            "[=========================>                         ]     16MB/32MB"
        );
        // current > total: the total is dropped, the bar is full.
        assert_eq!(
            progress_string(300, 200, Some(120)),
            "[==================================================>]     300B"
        );
        assert_eq!(progress_string(12_345_678, 0, Some(80)), " 12.35MB");
        assert_eq!(
            progress_string(123_456_789_012, 123_456_789_013, Some(80)),
            " 123.5GB/123.5GB"
        );

        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let units = Progress {
            current: 3,
            total: 10,
            units: "layers",
            ..Progress::default()
        };
        assert_eq!(units.render(Some(80), now), "3/10 layers");
        let over = Progress {
            current: 11,
            total: 10,
            units: "layers",
            ..Progress::default()
        };
        assert_eq!(over.render(Some(80), now), "11 layers");
        let no_total = Progress {
            current: 4,
            units: "layers",
            ..Progress::default()
        };
        assert_eq!(no_total.render(Some(80), now), "4 layers");
        let hidden = Progress {
            current: 3,
            total: 10,
            hide_counts: true,
            ..Progress::default()
        };
        assert_eq!(hidden.render(Some(80), now), "");
        assert_eq!(
            hidden.render(Some(120), now),
            "[===============>                                   ] "
        );

        // Time left: (total - current) * ((now - start) / current), whole seconds.
        let p = Progress {
            current: 1_000,
            total: 4_000_000,
            start: 940,
            ..Progress::default()
        };
        assert_eq!(p.render(Some(80), now), "     1kB/4MB 66h39m0s");
        assert_eq!(p.render(Some(50), now), "     1kB/4MB");
        let p = Progress {
            current: 2_000,
            total: 4_000,
            start: 999,
            ..Progress::default()
        };
        assert_eq!(p.render(Some(80), now), "     2kB/4kB 1s");
        let p = Progress {
            current: 3_999,
            total: 4_000,
            start: 999,
            ..Progress::default()
        };
        assert_eq!(p.render(Some(80), now), " 3.999kB/4kB 0s");
        let p = Progress {
            current: 1_000,
            total: 4_000,
            start: 1_100,
            ..Progress::default()
        };
        assert_eq!(p.render(Some(80), now), "     1kB/4kB -5m0s");
        // Full bar (percentage 50): no time left.
        let p = Progress {
            current: 4_000,
            total: 4_000,
            start: 999,
            ..Progress::default()
        };
        assert_eq!(p.render(Some(80), now), "     4kB/4kB");
    }

    #[test]
    fn go_duration_strings() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (SEC, "1s"),
            (59 * SEC, "59s"),
            (60 * SEC, "1m0s"),
            (HOUR, "1h0m0s"),
            (HOUR + 61 * SEC, "1h1m1s"),
            (-90 * SEC, "-1m30s"),
            (i64::MIN / SEC * SEC, "-2562047h47m16s"),
        ];
        for &(ns, want) in cases {
            let mut s = String::new();
            write_go_duration_whole_seconds(&mut s, ns);
            assert_eq!(s, want);
        }
    }

    #[test]
    fn non_tty_lines() {
        assert_eq!(
            non_tty_line(Some("1.0"), "Pulling from tiny", false).as_deref(),
            Some("1.0: Pulling from tiny")
        );
        assert_eq!(non_tty_line(Some(""), "Digest: x", false).as_deref(), Some("Digest: x"));
        assert_eq!(non_tty_line(Some("d8a34c5205df"), "Extracting", true), None);
    }

    #[test]
    fn messages_non_tty_rules() {
        let mut out = String::new();
        let base = JsonMessage {
            id: "abc",
            status: "Downloading",
            ..JsonMessage::default()
        };
        // progressDetail with numbers: skipped; without: printed; deprecated `progress` string
        // printed only when progressDetail is absent.
        let with = JsonMessage {
            progress: Some(Progress {
                current: 1,
                ..Progress::default()
            }),
            ..base
        };
        write_message_non_tty(&mut out, &with).unwrap();
        let legacy = JsonMessage {
            progress_message: "[=>  ] 1B/2B",
            ..base
        };
        write_message_non_tty(&mut out, &legacy).unwrap();
        let both = JsonMessage {
            progress: Some(Progress::default()),
            progress_message: "[=>  ]",
            ..base
        };
        write_message_non_tty(&mut out, &both).unwrap();
        let from = JsonMessage {
            from: "busybox",
            status: "create",
            ..JsonMessage::default()
        };
        write_message_non_tty(&mut out, &from).unwrap();
        let stream = JsonMessage {
            stream: "Step 1/2 : FROM x\n",
            ..JsonMessage::default()
        };
        write_message_non_tty(&mut out, &stream).unwrap();
        let aux = JsonMessage {
            aux: true,
            status: "ignored",
            ..JsonMessage::default()
        };
        write_message_non_tty(&mut out, &aux).unwrap();
        let timed = JsonMessage {
            time_nano: 1_700_000_000_123_456_789,
            status: "t",
            ..JsonMessage::default()
        };
        write_message_non_tty(&mut out, &timed).unwrap();
        let timed = JsonMessage {
            time: 951_782_400,
            status: "leap",
            ..JsonMessage::default()
        };
        write_message_non_tty(&mut out, &timed).unwrap();
        // The deprecated `progress` string is printed without a newline outside a terminal.
        assert_eq!(
            out,
            "abc: Downloading [=>  ] 1B/2B\
             abc: Downloading [=>  ]\
             (from busybox) create\n\
             Step 1/2 : FROM x\n\
             2023-11-14T22:13:20.123456789Z t\n\
             2000-02-29T00:00:00.000000000Z leap\n"
        );
        let err = JsonMessage {
            error: Some("unauthorized"),
            status: "x",
            ..JsonMessage::default()
        };
        let mut out = String::new();
        assert_eq!(write_message_non_tty(&mut out, &err), Err("unauthorized"));
        assert_eq!(out, "");
    }

    /// `script`'s view of the bytes: the pty turns `\n` into `\r\n`, and the sample file shows
    /// them through `cat -v`.
    fn as_captured(raw: &str) -> String {
        let mut s = String::new();
        for c in raw.chars() {
            match c {
                '\n' => s.push_str("^M\n"),
                '\r' => s.push_str("^M"),
                '\x1b' => s.push_str("^["),
                c => s.push(c),
            }
        }
        s
    }

    /// samples/docker-20.10/pull-tty.28.2.2.txt without its header line
    /// (`script -qc "docker pull 127.0.0.1:5000/tiny:1.0"`, 80 columns, `cat -v`).
    const PULL_TTY_SAMPLE: &str = concat!(
        "1.0: Pulling from tiny^M\n",
        "^M\n",
        "^[[1A^[[2K^Md8a34c5205df: Pulling fs layer ^M^[[1B^[[1A^[[2K^Md8a34c5205df: Downloading     174B/174B",
        "^M^[[1B^[[1A^[[2K^Md8a34c5205df: Download complete ^M^[[1B^[[1A^[[2K^Md8a34c5205df: Extracting     ",
        "174B/174B^M^[[1B^[[1A^[[2K^Md8a34c5205df: Extracting     174B/174B^M^[[1B^[[1A^[[2K^Md8a34c5205df: ",
        "Pull complete ^M^[[1BDigest: sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9^M\n",
        "Status: Downloaded newer image for 127.0.0.1:5000/tiny:1.0^M\n",
        "127.0.0.1:5000/tiny:1.0^M\n",
    );

    const DIGEST: &str = "Digest: sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9";
    const STATUS: &str = "Status: Downloaded newer image for 127.0.0.1:5000/tiny:1.0";

    /// (id, status, progressDetail as (current, total)).
    type Event<'a> = (Option<&'a str>, &'a str, Option<(i64, i64)>);

    #[test]
    fn tty_pull_sample_byte_for_byte() {
        let layer = Some("d8a34c5205df");
        let events: &[Event<'_>] = &[
            (Some("1.0"), "Pulling from tiny", None),
            (layer, "Pulling fs layer", Some((0, 0))),
            (layer, "Downloading", Some((174, 174))),
            (layer, "Download complete", Some((0, 0))),
            (layer, "Extracting", Some((174, 174))),
            (layer, "Extracting", Some((174, 174))),
            (layer, "Pull complete", Some((0, 0))),
            (None, DIGEST, None),
            (None, STATUS, None),
        ];
        let mut tty = TtyProgress::new(Some(80));
        let mut raw = String::new();
        for &(id, status, progress) in events {
            tty.event(&mut raw, id, status, progress);
        }
        raw.push_str("127.0.0.1:5000/tiny:1.0\n"); // the CLI's own final line
        assert_eq!(as_captured(&raw), PULL_TTY_SAMPLE);
    }

    /// samples/docker-20.10/pull-stream.fresh.v1.41.jsonl
    const PULL_STREAM_FRESH: &str = r#"{"status":"Pulling from tiny","id":"1.0"}
{"status":"Pulling fs layer","progressDetail":{},"id":"d8a34c5205df"}
{"status":"Downloading","progressDetail":{"current":174,"total":174},"progress":"[==================================================\u003e]     174B/174B","id":"d8a34c5205df"}
{"status":"Verifying Checksum","progressDetail":{},"id":"d8a34c5205df"}
{"status":"Extracting","progressDetail":{"current":174,"total":174},"progress":"[==================================================\u003e]     174B/174B","id":"d8a34c5205df"}
{"status":"Extracting","progressDetail":{"current":174,"total":174},"progress":"[==================================================\u003e]     174B/174B","id":"d8a34c5205df"}
{"status":"Pull complete","progressDetail":{},"id":"d8a34c5205df"}
{"status":"Digest: sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9"}
{"status":"Status: Downloaded newer image for 127.0.0.1:5000/tiny:1.0"}
"#;

    /// Tiny extraction of a string field (no escapes needed for these keys).
    fn json_str<'a>(line: &'a str, key: &str) -> Option<&'a str> {
        let pat = format!("\"{key}\":\"");
        let start = line.find(&pat)? + pat.len();
        let len = line[start..].find('"')?;
        Some(&line[start..start + len])
    }

    fn json_int(obj: &str, key: &str) -> i64 {
        let pat = format!("\"{key}\":");
        obj.find(&pat).map_or(0, |i| {
            let rest = &obj[i + pat.len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit() && c != '-')
                .unwrap_or(rest.len());
            rest[..end].parse().unwrap()
        })
    }

    fn parse_line(line: &str) -> JsonMessage<'_> {
        let progress = line.find("\"progressDetail\":{").map(|i| {
            let obj = &line[i..i + line[i..].find('}').unwrap()];
            Progress {
                current: json_int(obj, "current"),
                total: json_int(obj, "total"),
                ..Progress::default()
            }
        });
        JsonMessage {
            id: json_str(line, "id").unwrap_or(""),
            status: json_str(line, "status").unwrap_or(""),
            progress,
            progress_message: json_str(line, "progress").unwrap_or(""),
            ..JsonMessage::default()
        }
    }

    #[test]
    fn jsonl_stream_tty_and_non_tty() {
        let msgs: Vec<JsonMessage<'_>> = PULL_STREAM_FRESH.lines().map(parse_line).collect();
        assert_eq!(msgs.len(), 9);
        assert_eq!(
            msgs[2].progress,
            Some(Progress {
                current: 174,
                total: 174,
                ..Progress::default()
            })
        );

        // Terminal: the same bytes as the captured run, whose daemon happened to send
        // "Download complete" where this stream has "Verifying Checksum".
        let mut tty = TtyProgress::new(Some(80));
        let mut raw = String::new();
        for m in &msgs {
            tty.render(&mut raw, m).unwrap();
        }
        raw.push_str("127.0.0.1:5000/tiny:1.0\n");
        assert_eq!(
            as_captured(&raw),
            PULL_TTY_SAMPLE.replace("Download complete", "Verifying Checksum")
        );

        // Not a terminal: progress messages are skipped (transcript format).
        let mut out = String::new();
        for m in &msgs {
            write_message_non_tty(&mut out, m).unwrap();
        }
        assert_eq!(
            out,
            format!(
                "1.0: Pulling from tiny\nd8a34c5205df: Pulling fs layer\nd8a34c5205df: Verifying Checksum\n\
                 d8a34c5205df: Pull complete\n{DIGEST}\n{STATUS}\n"
            )
        );
        let lines: Vec<String> = msgs
            .iter()
            .filter_map(|m| {
                let rendered = m.progress.is_some_and(|p| !p.renders_empty());
                non_tty_line(Some(m.id), m.status, rendered)
            })
            .collect();
        assert_eq!(lines.concat().len() + lines.len(), out.len());
    }

    #[test]
    fn tty_multiple_layers_and_reset() {
        let mut tty = TtyProgress::new(Some(120));
        let mut out = String::new();
        tty.event(&mut out, Some("a"), "Pulling fs layer", Some((0, 0)));
        tty.event(&mut out, Some("b"), "Pulling fs layer", Some((0, 0)));
        tty.event(&mut out, Some("a"), "Downloading", Some((50, 100)));
        tty.event(&mut out, Some("b"), "Pull complete", Some((0, 0)));
        tty.event(&mut out, None, "Digest: x", None);
        tty.event(&mut out, Some("a"), "Already exists", Some((0, 0)));
        assert_eq!(
            out,
            "\n\x1b[1A\x1b[2K\ra: Pulling fs layer \r\x1b[1B\
             \n\x1b[1A\x1b[2K\rb: Pulling fs layer \r\x1b[1B\
             \x1b[2A\x1b[2K\ra: Downloading [=========================>                         ]      50B/100B\r\x1b[2B\
             \x1b[1A\x1b[2K\rb: Pull complete \r\x1b[1B\
             Digest: x\n\
             \n\x1b[1A\x1b[2K\ra: Already exists \r\x1b[1B"
        );
        // A stream message with a rendered progress is skipped even on a terminal.
        let mut out = String::new();
        let m = JsonMessage {
            stream: "s",
            progress: Some(Progress {
                current: 1,
                total: 2,
                ..Progress::default()
            }),
            ..JsonMessage::default()
        };
        tty.render(&mut out, &m).unwrap();
        assert_eq!(out, "");
        // Errors still get the cursor movements, then stop the stream.
        let e = JsonMessage {
            id: "c",
            progress: Some(Progress::default()),
            error: Some("boom"),
            ..JsonMessage::default()
        };
        assert_eq!(tty.render(&mut out, &e), Err("boom"));
        assert_eq!(out, "\n\x1b[1A\x1b[1B");
        // Time left uses the injected clock.
        let mut tty = TtyProgress::new(Some(80));
        tty.set_now(Some(UNIX_EPOCH + Duration::from_secs(1_010)));
        let mut out = String::new();
        let m = JsonMessage {
            id: "l",
            status: "Downloading",
            progress: Some(Progress {
                current: 1_000_000,
                total: 3_000_000,
                start: 1_000,
                ..Progress::default()
            }),
            ..JsonMessage::default()
        };
        tty.render(&mut out, &m).unwrap();
        assert_eq!(out, "\n\x1b[1A\x1b[2K\rl: Downloading      1MB/3MB 20s\r\x1b[1B");
    }
}
