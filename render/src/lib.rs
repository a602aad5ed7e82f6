//! # dimg-render: what the docker CLI 28.2 prints, for dimg's typed results
//!
//! The presentation layer of dimg, apart from the typed client (`dimg`) so that a program that
//! only lists or pulls images compiles none of it. The example `dimg` CLI, libdimg's table
//! functions and the Python `repr`s use it to print what `docker images`, `docker search`,
//! `docker pull`, `docker rmi` and (part of) `docker info` print, byte for byte.
//!
//! - [`mod@format`]: Go's number, size and duration formatting, display widths, the CLI's tab
//!   writer and the pull progress bar (moby `pkg/jsonmessage`).
//! - [`Template`]: the subset of Go `text/template` that `--format` uses.
//! - [`images`], [`search`], [`PullPrinter`], [`remove_stdout`], [`info`]: whole outputs.
//! - [`ManyPullView`], [`image_line`], [`total_line`]: `dimg pull NAME NAME...` (several pulls
//!   at once, dimg's own), live on a terminal or one line per image.
//! - [`cli_message`]: the docker CLI's wording of a [`dimg::Error`].
//!
//! | Here | Docker CLI 28.2.2 |
//! |---|---|
//! | [`images`], [`image_rows`], [`ImagesView`] | `cli/command/image/list.go`, `cli/command/formatter/image.go` (`NewImageFormat`, `imageFormat`, `imageFormatTaggedAndDigest`, `imageContext`) |
//! | [`search`], [`SearchView`] | `cli/command/registry/search.go`, `formatter_search.go` |
//! | [`Template`], [`TemplateData`] | `cli/command/formatter/formatter.go` (`Context.preFormat`, `Write`, `postFormat`), `templates/templates.go`, Go `text/template` (a subset: see [`Template`]) |
//! | [`PullPrinter`], [`pull_preamble`] | `cli/command/image/pull.go`, moby `pkg/jsonmessage` |
//! | [`removed_lines`], [`remove_errors`], [`remove_error`] | `cli/command/image/remove.go` |
//! | [`info`] | `cli/command/system/info.go` (the server part about storage and registries) |
//!
//! Every function here is pure: the clock (`now`) and the terminal width are parameters.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! let list: Vec<dimg::ImageSummary> = serde_json::from_str(
//!     r#"[{"Id":"sha256:4c34b7be319e90a0ede2073db086bea0a138521dca30ebc3d0b301fff036ca6b",
//!          "RepoTags":["myrepo/tiny:a","myrepo/tiny:b"],"Created":1000,"Size":6}]"#,
//! ).unwrap();
//! let now = UNIX_EPOCH + Duration::from_secs(1000 + 15 * 60);
//! let out = dimg_render::images(&list, &dimg_render::ImagesView::new(), now).unwrap();
//! assert_eq!(
//!     out,
//!     "REPOSITORY    TAG       IMAGE ID       CREATED          SIZE\n\
//!      myrepo/tiny   a         4c34b7be319e   15 minutes ago   6B\n\
//!      myrepo/tiny   b         4c34b7be319e   15 minutes ago   6B\n"
//! );
//! ```

#![warn(missing_docs)]

mod error;
pub mod format;
mod grapheme;
mod output;
mod pull_many;
mod template;
mod width_tables;

pub use error::cli_message;
pub use output::*;
pub use pull_many::{ManyPullView, failure_line, image_line, status_line, total_line};
pub use template::{Template, TemplateData, TemplateError, go_time_utc, prepare_format, write_go_json_string};
