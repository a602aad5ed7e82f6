//! TEMPORARY stub until the real parser lands.
use crate::error::{Error, Result};
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef { domain: String, path: String, tag: Option<String>, digest: Option<String> }
impl ImageRef {
    pub fn parse(s: &str) -> Result<ImageRef> {
        if s.is_empty() || s.bytes().any(|b| !(b.is_ascii_alphanumeric() || b"./:-_@".contains(&b))) { return Err(Error::invalid_reference(s, "invalid reference format")); }
        let (rest, digest) = match s.split_once('@') { Some((a, d)) => (a, Some(d.to_string())), None => (s, None) };
        let (name, tag) = match rest.rsplit_once(':') { Some((n, t)) if !t.contains('/') => (n, Some(t.to_string())), _ => (rest, None) };
        let (domain, path) = match name.split_once('/') { Some((d, p)) if d.contains('.') || d.contains(':') || d == "localhost" => (d.to_string(), p.to_string()), _ => ("docker.io".to_string(), if name.contains('/') { name.to_string() } else { format!("library/{name}") }) };
        if path.to_lowercase() != path { return Err(Error::invalid_reference(s, format!("invalid reference format: repository name ({path}) must be lowercase"))); }
        Ok(ImageRef { domain, path, tag, digest })
    }
    pub fn domain(&self) -> &str { &self.domain }
    pub fn path(&self) -> &str { &self.path }
    pub fn name(&self) -> String { format!("{}/{}", self.domain, self.path) }
    pub fn tag(&self) -> Option<&str> { self.tag.as_deref() }
    pub fn digest(&self) -> Option<&str> { self.digest.as_deref() }
    pub fn is_name_only(&self) -> bool { self.tag.is_none() && self.digest.is_none() }
    pub fn with_default_tag(mut self) -> ImageRef { if self.is_name_only() { self.tag = Some("latest".into()); } self }
}
impl std::fmt::Display for ImageRef { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{}", self.name())?; if let Some(t) = &self.tag { write!(f, ":{t}")?; } if let Some(d) = &self.digest { write!(f, "@{d}")?; } Ok(()) } }
pub fn validate_image_name(s: &str) -> Result<&str> { ImageRef::parse(s).map(|_| s) }
