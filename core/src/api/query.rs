//! Request targets built so that no caller-supplied text can change them.
//!
//! Every query value is percent-encoded (only RFC 3986 unreserved bytes stay), so `&`, `=`,
//! `#`, `?`, spaces, CR/LF and NUL cannot add parameters or headers. Path segments that carry an
//! image name are validated by the reference grammar first and then encoded the same way,
//! keeping only `/`, `:` and `@`, which the daemon's router expects verbatim.

use std::collections::BTreeMap;
use std::fmt::Write;

/// Appends `s` percent-encoded; `keep` lists extra bytes left as they are.
fn encode_into(out: &mut String, s: &str, keep: &[u8]) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// An image name as one path segment group: `/`, `:` and `@` stay, everything else outside
/// the unreserved set is encoded.
pub(crate) fn encode_image_path(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    encode_into(&mut out, name, b"/:@");
    out
}

/// Builds `path?k=v&k=v` with every value encoded.
#[derive(Debug)]
pub(crate) struct Target {
    text: String,
    has_query: bool,
}

impl Target {
    pub(crate) fn new(path: &str) -> Target {
        Target {
            text: path.to_string(),
            has_query: false,
        }
    }

    pub(crate) fn param(mut self, key: &str, value: &str) -> Target {
        self.text.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
        encode_into(&mut self.text, key, &[]);
        self.text.push('=');
        encode_into(&mut self.text, value, &[]);
        self
    }

    /// Adds `key=1` only when `on` (the daemon treats any value but 0/false as true).
    pub(crate) fn flag(self, key: &str, on: bool) -> Target {
        if on { self.param(key, "1") } else { self }
    }

    pub(crate) fn into_string(self) -> String {
        self.text
    }
}

/// Encodes filters as the daemon's JSON, in one of its two accepted forms.
///
/// Docker accepts both forms on every endpoint; Podman 4.3 does not: its image list matches
/// nothing when a key has two values in the list form, and its search fails ("index out of
/// range") on the map form. So each endpoint uses the form both engines read correctly.
pub(crate) fn filters_json<'a>(pairs: impl Iterator<Item = (&'a str, String)>, form: FilterForm) -> Option<String> {
    let mut map: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (key, value) in pairs {
        map.entry(key).or_default().push(value);
    }
    if map.is_empty() {
        return None;
    }
    let json = match form {
        FilterForm::List => serde_json::to_string(&map),
        FilterForm::Map => {
            let map: BTreeMap<&str, BTreeMap<String, bool>> = map
                .into_iter()
                .map(|(key, values)| (key, values.into_iter().map(|v| (v, true)).collect()))
                .collect();
            serde_json::to_string(&map)
        }
    };
    Some(json.expect("a map of strings always serialises"))
}

/// The two JSON forms of filters (see [`filters_json`]).
#[derive(Clone, Copy)]
pub(crate) enum FilterForm {
    /// `{"key":{"value":true}}`, as the docker CLI sends them (used for the image list).
    Map,
    /// `{"key":["value"]}`, the older form (used for search).
    List,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_add_parameters_or_fragments() {
        let t = Target::new("/images/search")
            .param("term", "tiny:1.0?force=1&x=y#frag \r\n\0")
            .flag("all", true)
            .flag("none", false)
            .into_string();
        assert_eq!(
            t,
            "/images/search?term=tiny%3A1.0%3Fforce%3D1%26x%3Dy%23frag%20%0D%0A%00&all=1"
        );
    }

    #[test]
    fn image_paths_keep_only_slash_colon_at() {
        assert_eq!(encode_image_path("127.0.0.1:5000/tiny:1.0"), "127.0.0.1:5000/tiny:1.0");
        assert_eq!(encode_image_path("a@sha256:ab"), "a@sha256:ab");
        assert_eq!(encode_image_path("x?force=1"), "x%3Fforce%3D1");
        assert_eq!(encode_image_path("%2e%2e"), "%252e%252e");
        assert_eq!(encode_image_path("é"), "%C3%A9");
    }
}
