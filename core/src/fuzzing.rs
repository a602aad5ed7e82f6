//! Entry points for the fuzz targets in `fuzz/` and their corpus regression test: each feeds
//! arbitrary bytes to one parser and checks the invariants that must hold for any input.
//! Not part of the API (hidden, unstable); no input may make any of them panic.

use crate::api::jsonlines::JsonLines;
use crate::api::pull::PullEvent;
use crate::model::{ImageInspect, ImageSummary, Info, SearchResult, Version, removed_items};
use crate::reference::{ImageRef, validate_image_name};

/// References: parsing never panics; what parses is safe to put in a path and round-trips.
pub fn reference(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = validate_image_name(text);
    if let Ok(parsed) = ImageRef::parse(text) {
        let full = parsed.to_string();
        assert!(
            !full.contains(['?', '#', '%', ' ', '\r', '\n', '\0']) && !full.contains("/../") && !full.contains("//"),
            "unsafe reference accepted: {text:?}"
        );
        let again = ImageRef::parse(&full).expect("a normalised reference parses again");
        assert_eq!(again, parsed, "round trip of {text:?}");
        let familiar_text = parsed.familiar_string();
        // As in Go, `docker.io/<64 hex>` is a name whose familiar form, 64 hex digits, reads
        // as an image id and is refused as a name.
        if familiar_text.len() == 64 && familiar_text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return;
        }
        let familiar = ImageRef::parse(&familiar_text).expect("the familiar form parses");
        // As in Go, the familiar form of `docker.io/host.name/x` reads back as a reference to
        // `host.name`: the round trip holds only when the path cannot pass for a domain.
        let first = parsed.path().split('/').next().unwrap_or_default();
        let ambiguous = parsed.domain() == "docker.io"
            && parsed.path().contains('/')
            && (first.contains(['.', ':']) || first == "localhost");
        if !ambiguous {
            assert_eq!(familiar, parsed, "familiar round trip of {text:?}");
        }
        let _ = parsed.clone().with_default_tag();
    }
}

/// The JSON-lines decoder: the first byte picks chunk sizes; any split yields the same
/// lines as the whole, and every line decodes to an event or an error.
pub fn json_lines(data: &[u8]) {
    let Some((&step, body)) = data.split_first() else {
        return;
    };
    let step = usize::from(step % 16) + 1;
    let collect = |chunks: &mut dyn Iterator<Item = &[u8]>| {
        let mut decoder = JsonLines::new();
        let mut lines = Vec::new();
        for chunk in chunks {
            decoder.push(chunk);
            loop {
                match decoder.next_line() {
                    Ok(Some(line)) => lines.push(Ok(line)),
                    Ok(None) => break,
                    Err(_) => {
                        lines.push(Err(()));
                        return lines;
                    }
                }
            }
        }
        lines.extend(decoder.finish().map(Ok));
        lines
    };
    let split = collect(&mut body.chunks(step));
    let whole = collect(&mut std::iter::once(body));
    assert_eq!(split, whole, "chunking changed the lines");
    for line in split.into_iter().flatten() {
        let _ = PullEvent::from_json(&line);
        pull_line_readers_agree(&line);
    }
}

/// A line the direct progress-line scanner reads, serde reads the same way.
pub fn pull_line_readers_agree(line: &[u8]) {
    if let Some(direct) = crate::api::pull::scan_progress_line(line) {
        match PullEvent::from_json_with_serde(line) {
            Ok(general) => assert_eq!(
                direct,
                general,
                "the readers disagree on {:?}",
                String::from_utf8_lossy(line)
            ),
            Err(e) => panic!("scanned {:?}, which serde refuses: {e}", String::from_utf8_lossy(line)),
        }
    }
}

/// Every model the daemon's answers decode into: no panic, whatever the bytes.
pub fn models(data: &[u8]) {
    let _ = serde_json::from_slice::<Vec<ImageSummary>>(data);
    let _ = serde_json::from_slice::<Vec<SearchResult>>(data);
    let _ = serde_json::from_slice::<ImageInspect>(data).map(|i| i.created_unix());
    let _ = serde_json::from_slice::<Info>(data);
    let _ = serde_json::from_slice::<Version>(data);
    let _ = removed_items(data);
    let _ = PullEvent::from_json(data);
    pull_line_readers_agree(data);
    let _ = crate::transport::error_for_status(hyper::StatusCode::INTERNAL_SERVER_ERROR, data);
}
