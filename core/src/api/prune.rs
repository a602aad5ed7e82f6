//! `docker image prune`: `POST /images/prune`, its options and its report.

use std::str::FromStr;

use hyper::Method;

use crate::api::images::Images;
use crate::api::options::split_filter;
use crate::api::query::{FilterForm, Target, filters_json};
use crate::error::{Error, Result};
use crate::model::RemovedItem;

/// One `docker image prune --filter`: the keys the daemon's image prune reads.
///
/// # Examples
/// ```
/// use dimg::PruneFilter;
/// assert_eq!("until=24h".parse::<PruneFilter>().unwrap(), PruneFilter::Until("24h".into()));
/// assert_eq!("label!=keep".parse::<PruneFilter>().unwrap(), PruneFilter::LabelNot("keep".into()));
/// assert!("dangling=true".parse::<PruneFilter>().is_err()); // that is what `all` decides
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PruneFilter {
    /// Only images created before this timestamp or Go duration (`24h`, `2024-01-01`).
    Until(String),
    /// Only images with label `key`, or `key=value`.
    Label(String),
    /// Only images without label `key`, or without `key=value`.
    LabelNot(String),
}

impl PruneFilter {
    fn key(&self) -> &'static str {
        match self {
            PruneFilter::Until(_) => "until",
            PruneFilter::Label(_) => "label",
            PruneFilter::LabelNot(_) => "label!",
        }
    }

    fn value(&self) -> &str {
        match self {
            PruneFilter::Until(v) | PruneFilter::Label(v) | PruneFilter::LabelNot(v) => v,
        }
    }
}

impl FromStr for PruneFilter {
    type Err = Error;

    /// Parses `KEY=VALUE` (split at the first `=`, so `label!=k=v` is `label!` and `k=v`).
    fn from_str(text: &str) -> Result<PruneFilter> {
        let (key, value) = split_filter(text)?;
        if value.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "filter {:?} needs a value",
                Error::excerpt(&key)
            )));
        }
        match key.as_str() {
            "until" => Ok(PruneFilter::Until(value)),
            "label" => Ok(PruneFilter::Label(value)),
            "label!" => Ok(PruneFilter::LabelNot(value)),
            // `dangling` is set from `all`, as the docker CLI does; anything else the daemon
            // refuses ("Invalid filter"), so it is refused here, before any request.
            other => Err(Error::InvalidArgument(format!(
                "invalid filter '{}'",
                Error::excerpt(other)
            ))),
        }
    }
}

/// Options of [`Images::prune`] (`docker image prune`).
///
/// # Examples
/// ```
/// use dimg::{PruneFilter, PruneOptions};
/// let opts = PruneOptions::new().all(true).filter(PruneFilter::Until("24h".into()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct PruneOptions {
    pub(crate) all: bool,
    pub(crate) filters: Vec<PruneFilter>,
}

impl PruneOptions {
    /// Dangling images only, no filter: `docker image prune`.
    pub fn new() -> PruneOptions {
        PruneOptions::default()
    }

    /// Every image no container uses, not only dangling ones (`-a`).
    pub fn all(mut self, all: bool) -> PruneOptions {
        self.set_all(all);
        self
    }

    /// Adds a filter (`--filter`); filters of one key are alternatives, of different keys all
    /// apply.
    pub fn filter(mut self, filter: PruneFilter) -> PruneOptions {
        self.add_filter(filter);
        self
    }

    /// [`PruneOptions::all`] in place.
    pub fn set_all(&mut self, all: bool) {
        self.all = all;
    }

    /// [`PruneOptions::filter`] in place.
    pub fn add_filter(&mut self, filter: PruneFilter) {
        self.filters.push(filter);
    }
}

/// What [`Images::prune`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PruneReport {
    /// The references untagged and the images deleted, in the daemon's order.
    pub deleted: Vec<RemovedItem>,
    /// Bytes freed, as the daemon counts them.
    pub space_reclaimed: u64,
}

impl Images<'_> {
    /// `docker image prune`: removes dangling images (with [`PruneOptions::all`], every image
    /// no container uses) that match the filters.
    ///
    /// # Errors
    /// [`Error::Api`] with the daemon's message (a bad `until` value, a prune already running);
    /// [`Error::Unsupported`] on Podman for [`PruneOptions::all`] (its compatible endpoint
    /// prunes dangling images only) and [`PruneFilter::LabelNot`] (which it ignores).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let report = docker.images().prune(&dimg::PruneOptions::new().all(true)).await?;
    /// println!("{} items, {} bytes reclaimed", report.deleted.len(), report.space_reclaimed);
    /// # Ok(()) }
    /// ```
    pub async fn prune(&self, options: &PruneOptions) -> Result<PruneReport> {
        let target = self.client.versioned("/images/prune").await?;
        let label_not = options.filters.iter().any(|f| matches!(f, PruneFilter::LabelNot(_)));
        if (label_not || options.all) && self.client.is_podman().await? {
            // Podman 4.3's compatible endpoint ignores `label!` (and would remove what the
            // filter keeps) and refuses `dangling=false`: say so before anything goes.
            let what = if options.all { "all (-a)" } else { "the label! filter" };
            return Err(Error::Unsupported(format!(
                "image prune with {what} is not supported by Podman's Docker-compatible API"
            )));
        }
        let target = prune_target(&target, options);
        let (_, body) = self.client.transport().send_read(Method::POST, &target, &[]).await?;
        decode_report(&body).map_err(|e| Error::protocol("decoding the answer to POST /images/prune", e))
    }
}

/// The target with its filters: `dangling` from `all`, as the docker CLI sends it. In the list
/// form: Podman 4.3 ignores every filter of the map form here (and prunes every dangling
/// image); Docker reads both.
fn prune_target(path: &str, options: &PruneOptions) -> String {
    let dangling = (!options.all).to_string();
    let pairs =
        std::iter::once(("dangling", dangling)).chain(options.filters.iter().map(|f| (f.key(), f.value().to_string())));
    let json = filters_json(pairs, FilterForm::List).expect("dangling is always there");
    Target::new(path).param("filters", &json).into_string()
}

fn decode_report(body: &[u8]) -> serde_json::Result<PruneReport> {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "ImagesDeleted", default)]
        deleted: Option<serde_json::Value>,
        #[serde(rename = "SpaceReclaimed", default)]
        space_reclaimed: u64,
    }
    let answer: Answer = serde_json::from_slice(body)?;
    // The items have DELETE /images' shape; `null` when nothing went.
    let deleted = match answer.deleted {
        Some(items @ serde_json::Value::Array(_)) => crate::model::removed_items(items.to_string().as_bytes())?,
        _ => Vec::new(),
    };
    Ok(PruneReport {
        deleted,
        space_reclaimed: answer.space_reclaimed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangling_follows_all_and_filters_are_the_docker_clis() {
        let options = PruneOptions::new()
            .filter("label!=keep=1".parse().unwrap())
            .filter("until=24h".parse().unwrap());
        let target = prune_target("/v1.41/images/prune", &options);
        let query = target.split_once("filters=").unwrap().1;
        let json = percent_decode(query);
        assert_eq!(json, r#"{"dangling":["true"],"label!":["keep=1"],"until":["24h"]}"#);
        let all = prune_target("/v1.41/images/prune", &PruneOptions::new().all(true));
        assert!(percent_decode(all.split_once("filters=").unwrap().1).contains(r#"{"dangling":["false"]}"#));
        assert!("dangling=false".parse::<PruneFilter>().is_err());
        assert!("label=".parse::<PruneFilter>().is_err());
        assert_eq!(
            "foo=1".parse::<PruneFilter>().unwrap_err().to_string(),
            "invalid filter 'foo'"
        );
    }

    #[test]
    fn reports_decode_with_nothing_deleted_too() {
        let report =
            decode_report(br#"{"ImagesDeleted":[{"Untagged":"x:1"},{"Deleted":"sha256:aa"}],"SpaceReclaimed":2}"#)
                .unwrap();
        assert_eq!(report.deleted.len(), 2);
        assert_eq!(report.space_reclaimed, 2);
        let empty = decode_report(br#"{"ImagesDeleted":null,"SpaceReclaimed":0}"#).unwrap();
        assert!(empty.deleted.is_empty());
    }

    fn percent_decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
