//! Splits a streamed body into JSON lines, whatever the chunk boundaries.
//!
//! The daemon ends each message with `\r\n`; Podman and proxies may use `\n`. Empty lines are
//! skipped, the last line may lack its newline, and a line longer than the limit is an error
//! instead of unbounded buffering.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{Error, Result};

/// The longest line accepted. Daemon progress messages are a few hundred bytes.
pub(crate) const MAX_LINE: usize = 1024 * 1024;

#[derive(Debug, Default)]
pub(crate) struct JsonLines {
    buf: BytesMut,
    /// Bytes of `buf` already searched for a newline, so a long line is scanned once.
    scanned: usize,
}

impl JsonLines {
    pub(crate) fn new() -> JsonLines {
        JsonLines::default()
    }

    /// Adds a chunk of the body.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete, non-empty line without its line ending, if one is buffered.
    pub(crate) fn next_line(&mut self) -> Result<Option<Bytes>> {
        loop {
            let Some(offset) = memchr::memchr(b'\n', &self.buf[self.scanned..]) else {
                self.scanned = self.buf.len();
                if self.buf.len() > MAX_LINE {
                    return Err(Error::protocol(
                        "reading a JSON stream",
                        format!("a line is longer than {MAX_LINE} bytes"),
                    ));
                }
                return Ok(None);
            };
            let end = self.scanned + offset;
            let mut line = self.buf.split_to(end + 1);
            self.scanned = 0;
            line.truncate(end);
            let line = trim(line.freeze());
            if !line.is_empty() {
                return Ok(Some(line));
            }
        }
    }

    /// What is left after the body ended: a last line without a newline, if any.
    pub(crate) fn finish(&mut self) -> Option<Bytes> {
        let rest = trim(std::mem::take(&mut self.buf).freeze());
        self.scanned = 0;
        (!rest.is_empty()).then_some(rest)
    }
}

/// Strips ASCII whitespace (`\r`, spaces) around a line.
fn trim(mut line: Bytes) -> Bytes {
    while line.last().is_some_and(u8::is_ascii_whitespace) {
        line.truncate(line.len() - 1);
    }
    let leading = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    line.advance(leading);
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(chunks: &[&[u8]]) -> Vec<String> {
        let mut d = JsonLines::new();
        let mut out = Vec::new();
        for c in chunks {
            d.push(c);
            while let Some(line) = d.next_line().unwrap() {
                out.push(String::from_utf8(line.to_vec()).unwrap());
            }
        }
        out.extend(d.finish().map(|l| String::from_utf8(l.to_vec()).unwrap()));
        out
    }

    #[test]
    fn crlf_lf_empty_lines_and_a_last_line_without_newline() {
        let lines = collect(&[b"{\"a\":1}\r\n{\"b\":2}\n\r\n\n{\"c\":3}"]);
        assert_eq!(lines, ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]);
    }

    #[test]
    fn every_split_point_gives_the_same_lines() {
        let body: &[u8] = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/samples/docker-20.10/pull-stream.fresh.v1.41.jsonl"
        ));
        let whole = collect(&[body]);
        assert_eq!(whole.len(), 9);
        for cut in 0..=body.len() {
            assert_eq!(collect(&[&body[..cut], &body[cut..]]), whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(collect(&bytes), whole);
    }

    #[test]
    fn an_overlong_line_is_an_error_not_unbounded_memory() {
        let mut d = JsonLines::new();
        let chunk = vec![b'x'; 64 * 1024];
        let mut failed = false;
        for _ in 0..(MAX_LINE / chunk.len() + 2) {
            d.push(&chunk);
            if let Err(e) = d.next_line() {
                assert!(matches!(e, Error::Protocol { .. }));
                failed = true;
                break;
            }
        }
        assert!(failed);
    }
}
