//! Engine API versions and the rules dimg negotiates with.

use std::fmt;
use std::str::FromStr;

/// An Engine API version such as `1.41`.
///
/// Ordered numerically (`1.9 < 1.41`), parsed from and displayed as `MAJOR.MINOR`.
///
/// # Examples
/// ```
/// use dimg::ApiVersion;
/// let v: ApiVersion = "1.41".parse().unwrap();
/// assert!(v < ApiVersion::new(1, 44));
/// assert_eq!(v.to_string(), "1.41");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// The major number (always 1 so far).
    pub major: u16,
    /// The minor number.
    pub minor: u16,
}

impl ApiVersion {
    /// A version from its two numbers.
    ///
    /// ```
    /// assert_eq!(dimg::ApiVersion::new(1, 41).to_string(), "1.41");
    /// ```
    pub const fn new(major: u16, minor: u16) -> ApiVersion {
        ApiVersion { major, minor }
    }
}

/// The newest Engine API version dimg speaks (Docker 29.0). Daemons that offer more are
/// talked to at this version.
pub const MAX_API_VERSION: ApiVersion = ApiVersion::new(1, 52);

/// The oldest Engine API version dimg speaks (Docker 1.12; the version the moby client
/// assumes when a daemon does not say). Older daemons are refused with a clear error.
pub const MIN_API_VERSION: ApiVersion = ApiVersion::new(1, 24);

/// What the moby client assumes when `_ping` carries no `Api-Version` header.
pub(crate) const FALLBACK_API_VERSION: ApiVersion = ApiVersion::new(1, 24);

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A string that is not an API version (`MAJOR.MINOR`); becomes
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) through `?`.
///
/// ```
/// let err = "1.x".parse::<dimg::ApiVersion>().unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid API version "1.x": expected MAJOR.MINOR such as 1.41"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseApiVersionError {
    input: String,
}

impl fmt::Display for ParseApiVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid API version {:?}: expected MAJOR.MINOR such as 1.41",
            self.input
        )
    }
}

impl std::error::Error for ParseApiVersionError {}

impl FromStr for ApiVersion {
    type Err = ParseApiVersionError;

    fn from_str(s: &str) -> Result<ApiVersion, ParseApiVersionError> {
        let bad = || ParseApiVersionError { input: s.to_string() };
        let trimmed = s.trim().trim_start_matches('v');
        let (major, minor) = trimmed.split_once('.').ok_or_else(bad)?;
        let number = |part: &str| -> Result<u16, ParseApiVersionError> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        Ok(ApiVersion::new(number(major)?, number(minor)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_numerically() {
        let v: ApiVersion = "1.9".parse().unwrap();
        assert!(v < "1.41".parse().unwrap());
        assert_eq!("v1.41".parse::<ApiVersion>().unwrap(), ApiVersion::new(1, 41));
        for bad in ["", "1", "1.", ".4", "1.4x", "a.b", "1.99999", "1.-1"] {
            assert!(bad.parse::<ApiVersion>().is_err(), "{bad:?} parsed");
        }
    }
}
