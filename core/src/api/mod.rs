//! The Engine API operations, one module per group: what is sent for each call and how the
//! answer is read. Each adds methods to [`Client`](crate::Client).
//!
//! - [`images`]: list, search, pull, remove, inspect, tag (and their options in [`options`]).
//! - [`pull`]: the pull stream and its summary; [`pull_many`]: many pulls with one progress.
//! - [`system`]: ping, version, info.
//! - [`query`] builds request targets; [`jsonlines`] splits streamed answers.

pub(crate) mod images;
pub(crate) mod jsonlines;
pub(crate) mod options;
pub(crate) mod prune;
pub(crate) mod pull;
pub(crate) mod pull_many;
pub(crate) mod query;
pub(crate) mod system;

use crate::error::{Error, Result};
use crate::version::ApiVersion;

/// Refuses an option the negotiated version does not have.
pub(crate) fn require(option: &'static str, required: ApiVersion, negotiated: ApiVersion) -> Result<()> {
    if negotiated < required {
        return Err(Error::UnsupportedOption {
            option,
            required,
            negotiated,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_names_option_and_versions() {
        let err = require("shared-size", ApiVersion::new(1, 42), ApiVersion::new(1, 41)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shared-size requires API version 1.42, but the Docker daemon API version is 1.41"
        );
        assert!(require("x", ApiVersion::new(1, 41), ApiVersion::new(1, 41)).is_ok());
    }
}
