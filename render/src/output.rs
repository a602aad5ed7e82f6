//! What `docker images`, `docker search`, `docker pull`, `docker rmi` and (part of) `docker info`
//! print, as whole outputs, for the typed results of `dimg`.

use std::fmt::Write as _;
use std::time::SystemTime;

use dimg::reference::ImageRef;
use dimg::{
    Error, ImageSummary, Info, PruneReport, PullEvent, PullPhase, PullSummary, RemoveReport, RemovedItem, SearchResult,
};

use crate::format;
use crate::template::{TemplateData, TemplateError, go_time_utc, write_go_json_string, write_rows};

// ---------------------------------------------------------------------------------------------
// docker images
// ---------------------------------------------------------------------------------------------

/// The default `docker images` table.
pub const IMAGES_TABLE_FORMAT: &str =
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";

/// The default `docker images --digests` table.
pub const IMAGES_TABLE_FORMAT_WITH_DIGEST: &str = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";

const IMAGE_TITLES: &[(&str, &str)] = &[
    ("ID", "IMAGE ID"),
    ("Repository", "REPOSITORY"),
    ("Tag", "TAG"),
    ("Digest", "DIGEST"),
    ("CreatedSince", "CREATED"),
    ("CreatedAt", "CREATED AT"),
    ("Size", "SIZE"),
    ("Containers", "CONTAINERS"),
    ("VirtualSize", "SIZE"),
    ("SharedSize", "SHARED SIZE"),
    ("UniqueSize", "UNIQUE SIZE"),
];

/// What `docker images` was asked to show: `-q`, `--digests`, `--no-trunc`, `--format`.
///
/// ```
/// let view = dimg_render::ImagesView::new().quiet(true).no_trunc(true);
/// assert!(view.quiet && view.no_trunc && !view.digests);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImagesView {
    /// `-q`: only ids (one per row, not de-duplicated). A custom `--format` wins over it.
    pub quiet: bool,
    /// `--digests`: a `DIGEST` column, and one row per digest.
    pub digests: bool,
    /// `--no-trunc`: full `sha256:` ids.
    pub no_trunc: bool,
    /// `--format`: `table`, `table TEMPLATE`, `json`, `raw` or a template; `None` or empty
    /// for the default table.
    pub format: Option<String>,
}

impl ImagesView {
    /// The default view: the table.
    pub fn new() -> ImagesView {
        ImagesView::default()
    }
    /// Sets [`ImagesView::quiet`].
    pub fn quiet(mut self, on: bool) -> ImagesView {
        self.quiet = on;
        self
    }
    /// Sets [`ImagesView::digests`].
    pub fn digests(mut self, on: bool) -> ImagesView {
        self.digests = on;
        self
    }
    /// Sets [`ImagesView::no_trunc`].
    pub fn no_trunc(mut self, on: bool) -> ImagesView {
        self.no_trunc = on;
        self
    }
    /// Sets [`ImagesView::format`].
    pub fn format(mut self, format: impl Into<String>) -> ImagesView {
        self.format = Some(format.into());
        self
    }

    /// The template the CLI uses for this view (`formatter.NewImageFormat`): the default
    /// table (with a `DIGEST` column for `--digests`), `{{.ID}}` for `-q`, the `raw` layout,
    /// or the given format, with `\t{{.Digest}}` appended to a `table` format that lacks it
    /// when `--digests` is on.
    ///
    /// ```
    /// use dimg_render::ImagesView;
    /// assert_eq!(ImagesView::new().quiet(true).effective_format(), "{{.ID}}");
    /// assert_eq!(
    ///     ImagesView::new().digests(true).format("table {{.ID}}").effective_format(),
    ///     "table {{.ID}}\t{{.Digest}}"
    /// );
    /// ```
    pub fn effective_format(&self) -> String {
        let source = self.format.as_deref().filter(|f| !f.is_empty()).unwrap_or("table");
        match source {
            "table" if self.quiet => "{{.ID}}".to_string(),
            "table" if self.digests => IMAGES_TABLE_FORMAT_WITH_DIGEST.to_string(),
            "table" => IMAGES_TABLE_FORMAT.to_string(),
            "raw" if self.quiet => "image_id: {{.ID}}".to_string(),
            "raw" if self.digests => "repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n".to_string(),
            "raw" => "repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n".to_string(),
            other if other.starts_with("table") && self.digests && !other.contains("{{.Digest}}") => {
                format!("{other}\t{{{{.Digest}}}}")
            }
            other => other.to_string(),
        }
    }
}

/// One row of `docker images`: an image under one repository, tag and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageRow<'a> {
    /// The image.
    pub image: &'a ImageSummary,
    /// Familiar repository name (`zookeeper`, `127.0.0.1:5000/tiny`), or `<none>`.
    pub repository: String,
    /// Tag, or `<none>`.
    pub tag: String,
    /// `sha256:…` manifest digest, `<none>`, or empty for a digest-only row when digests
    /// are not expanded (as in the CLI).
    pub digest: String,
}

/// The rows `docker images` shows for `view` (`imageFormat`): a dangling image is one
/// `<none> <none>` row; otherwise one row per repository and tag. With digests expanded
/// (`--digests`, or `{{.Digest}}` in the format) a repository's tags get one row per digest
/// of that repository (`<none>` for a repository without digests). A repository that only
/// has digests gives one `<none>` tag row, one per digest with `--digests` (but not for
/// `{{.Digest}}` alone, whose digest is then empty, as in the CLI). References that do not
/// parse are skipped.
///
/// The CLI groups repositories in a Go map, so their order within one image varies from run
/// to run; here it is the order of first appearance in `RepoTags`, then in `RepoDigests`.
///
/// ```
/// use dimg_render::{image_rows, ImagesView};
/// let d = format!("sha256:{}", "9f7a".repeat(16));
/// let list: Vec<dimg::ImageSummary> = serde_json::from_str(&format!(r#"[
///   {{"Id":"sha256:1","RepoTags":["127.0.0.1:5000/tiny:1.0","tiny:a"],
///    "RepoDigests":["127.0.0.1:5000/tiny@{d}","other@{d}"]}},
///   {{"Id":"sha256:2"}}]"#)).unwrap();
/// let cells = |view: ImagesView| -> Vec<String> {
///     image_rows(&list, &view).iter().map(|r| format!("{} {} {}", r.repository, r.tag, r.digest)).collect()
/// };
/// assert_eq!(cells(ImagesView::new()), [
///     "127.0.0.1:5000/tiny 1.0 <none>", "tiny a <none>", "other <none> ", "<none> <none> <none>",
/// ]);
/// assert_eq!(cells(ImagesView::new().digests(true)), [
///     format!("127.0.0.1:5000/tiny 1.0 {d}"), "tiny a <none>".into(), format!("other <none> {d}"),
///     "<none> <none> <none>".into(),
/// ]);
/// assert_eq!(cells(ImagesView::new().format("{{.Digest}}")), [
///     format!("127.0.0.1:5000/tiny 1.0 {d}"), "tiny a <none>".into(), "other <none> ".into(),
///     "<none> <none> <none>".into(),
/// ]);
/// ```
pub fn image_rows<'a>(images: &'a [ImageSummary], view: &ImagesView) -> Vec<ImageRow<'a>> {
    let expand_tagged = view.digests || view.effective_format().contains("{{.Digest}}");
    rows_of(images, expand_tagged, view.digests)
}

fn rows_of(images: &[ImageSummary], expand_tagged: bool, expand_digest_only: bool) -> Vec<ImageRow<'_>> {
    let mut rows = Vec::new();
    for image in images {
        let row = |repository: &str, tag: &str, digest: &str| ImageRow {
            image,
            repository: repository.to_string(),
            tag: tag.to_string(),
            digest: digest.to_string(),
        };
        if image.is_dangling() {
            rows.push(row("<none>", "<none>", "<none>"));
            continue;
        }
        // repo -> tags / digests, in order of first appearance.
        let mut tags: Vec<(String, Vec<String>)> = Vec::new();
        let mut digests: Vec<(String, Vec<String>)> = Vec::new();
        fn add(groups: &mut Vec<(String, Vec<String>)>, repo: String, value: String) {
            match groups.iter_mut().find(|(r, _)| *r == repo) {
                Some((_, values)) => values.push(value),
                None => groups.push((repo, vec![value])),
            }
        }
        for text in &image.repo_tags {
            if let Ok(r) = ImageRef::parse(text)
                && let Some(tag) = r.tag()
            {
                add(&mut tags, r.familiar_name(), tag.to_string());
            }
        }
        for text in &image.repo_digests {
            if let Ok(r) = ImageRef::parse(text)
                && let Some(digest) = r.digest()
            {
                add(&mut digests, r.familiar_name(), digest.to_string());
            }
        }
        for (repo, repo_tags) in &tags {
            let repo_digests = digests
                .iter()
                .position(|(r, _)| r == repo)
                .map(|i| digests.remove(i).1)
                .unwrap_or_default();
            if !expand_tagged || repo_digests.is_empty() {
                for tag in repo_tags {
                    rows.push(row(repo, tag, "<none>"));
                }
                continue;
            }
            for digest in &repo_digests {
                for tag in repo_tags {
                    rows.push(row(repo, tag, digest));
                }
            }
        }
        for (repo, repo_digests) in &digests {
            if expand_digest_only {
                for digest in repo_digests {
                    rows.push(row(repo, "<none>", digest));
                }
            } else {
                rows.push(row(repo, "<none>", ""));
            }
        }
    }
    rows
}

/// One image row with what its fields need: truncation and the clock.
struct ImageRowData<'r, 'a> {
    row: &'r ImageRow<'a>,
    trunc: bool,
    now: SystemTime,
}

impl ImageRowData<'_, '_> {
    fn get(&self, name: &str) -> Option<String> {
        let image = self.row.image;
        Some(match name {
            "ID" => {
                if self.trunc {
                    format::short_id(&image.id).to_string()
                } else {
                    image.id.clone()
                }
            }
            "Repository" => self.row.repository.clone(),
            "Tag" => self.row.tag.clone(),
            "Digest" => self.row.digest.clone(),
            "CreatedSince" => format::created_since_at(image.created, self.now),
            "CreatedAt" => go_time_utc(image.created),
            "Size" => format::image_size(image.size),
            "Containers" => format::containers(image.containers),
            // API < 1.44 reports VirtualSize equal to Size; newer ones dropped the field.
            "VirtualSize" => format::human_size(image.size as f64),
            "SharedSize" => format::shared_size(image.shared_size),
            "UniqueSize" => format::unique_size(image.size, image.shared_size),
            _ => return None,
        })
    }
}

impl TemplateData for ImageRowData<'_, '_> {
    fn type_name(&self) -> &'static str {
        "*formatter.imageContext"
    }

    fn field(&self, name: &str) -> Option<String> {
        self.get(name)
    }

    fn json(&self) -> String {
        const KEYS: [&str; 11] = [
            "Containers",
            "CreatedAt",
            "CreatedSince",
            "Digest",
            "ID",
            "Repository",
            "SharedSize",
            "Size",
            "Tag",
            "UniqueSize",
            "VirtualSize",
        ];
        json_object(KEYS.iter().map(|k| (*k, self.get(k).unwrap_or_default())))
    }
}

/// `{"k":"v",...}` as Go's `json.Marshal` of a `map[string]string` writes it (keys given sorted).
fn json_object<'k>(pairs: impl Iterator<Item = (&'k str, String)>) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_go_json_string(&mut out, k, true);
        out.push(':');
        write_go_json_string(&mut out, &v, true);
    }
    out.push('}');
    out
}

/// Everything `docker images` prints to stdout for `list` (as the daemon returned it,
/// newest first) under `view`, with `CREATED` relative to `now`.
///
/// # Errors
/// A [`TemplateError`] for a bad `--format` (the CLI then prints only the error).
///
/// # Examples
/// ```
/// use dimg_render::{images, ImagesView};
/// use std::time::{Duration, UNIX_EPOCH};
/// let list: Vec<dimg::ImageSummary> = serde_json::from_str(r#"[
///   {"Id":"sha256:e63ddaaad803fc8e7c246145966c3dd9048f4aed6216a898451187327edeec2d","Created":1000,"Size":3},
///   {"Id":"sha256:4c34b7be319e90a0ede2073db086bea0a138521dca30ebc3d0b301fff036ca6b","Created":100,"Size":6,
///    "RepoTags":["127.0.0.1:5000/tiny:1.0"],"RepoDigests":["127.0.0.1:5000/tiny@sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9"]}
/// ]"#).unwrap();
/// let now = UNIX_EPOCH + Duration::from_secs(1000);
/// assert_eq!(images(&list, &ImagesView::new().quiet(true), now).unwrap(), "e63ddaaad803\n4c34b7be319e\n");
/// assert_eq!(
///     images(&list, &ImagesView::new().format("{{.Repository}}:{{.Tag}} {{.Size}}"), now).unwrap(),
///     "<none>:<none> 3B\n127.0.0.1:5000/tiny:1.0 6B\n"
/// );
/// assert_eq!(
///     images(&list, &ImagesView::new().format("{{json .Repository}}"), now).unwrap(),
///     "\"<none>\"\n\"127.0.0.1:5000/tiny\"\n"
/// );
/// let err = images(&list, &ImagesView::new().format("{{.Nope}}"), now).unwrap_err();
/// assert_eq!(err.to_string(), "template parsing error: template: :1:2: executing \"\" at <.Nope>: \
///     can't evaluate field Nope in type *formatter.imageContext");
/// ```
pub fn images(list: &[ImageSummary], view: &ImagesView, now: SystemTime) -> Result<String, TemplateError> {
    let format = view.effective_format();
    let rows = image_rows(list, view);
    let data: Vec<ImageRowData<'_, '_>> = rows
        .iter()
        .map(|row| ImageRowData {
            row,
            trunc: !view.no_trunc,
            now,
        })
        .collect();
    write_rows(&format, data.iter().map(|d| d as &dyn TemplateData), IMAGE_TITLES)
}

// ---------------------------------------------------------------------------------------------
// docker search
// ---------------------------------------------------------------------------------------------

/// The default `docker search` table (CLI 25 and later: no `AUTOMATED` column).
pub const SEARCH_TABLE_FORMAT: &str = "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}";

const SEARCH_TITLES: &[(&str, &str)] = &[
    ("Name", "NAME"),
    ("Description", "DESCRIPTION"),
    ("StarCount", "STARS"),
    ("IsOfficial", "OFFICIAL"),
];

/// What `docker search` was asked to show: `--no-trunc` and `--format`.
///
/// ```
/// let view = dimg_render::SearchView::new().no_trunc(true).format("{{.Name}}");
/// assert_eq!(view.format.as_deref(), Some("{{.Name}}"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SearchView {
    /// `--no-trunc`: whole descriptions.
    pub no_trunc: bool,
    /// `--format`: `table`, `table TEMPLATE`, `json` or a template; `None` or empty for the
    /// default table.
    pub format: Option<String>,
}

impl SearchView {
    /// The default view.
    pub fn new() -> SearchView {
        SearchView::default()
    }
    /// Sets [`SearchView::no_trunc`].
    pub fn no_trunc(mut self, on: bool) -> SearchView {
        self.no_trunc = on;
        self
    }
    /// Sets [`SearchView::format`].
    pub fn format(mut self, format: impl Into<String>) -> SearchView {
        self.format = Some(format.into());
        self
    }
}

struct SearchRowData<'a> {
    result: &'a SearchResult,
    trunc: bool,
}

impl SearchRowData<'_> {
    fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "Name" => self.result.name.clone(),
            "Description" => format::search_description(&self.result.description, !self.trunc),
            "StarCount" => self.result.star_count.to_string(),
            "IsOfficial" => format::search_official(self.result.is_official).to_string(),
            _ => return None,
        })
    }
}

impl TemplateData for SearchRowData<'_> {
    fn type_name(&self) -> &'static str {
        "*registry.searchContext"
    }

    fn field(&self, name: &str) -> Option<String> {
        self.get(name)
    }

    fn json(&self) -> String {
        json_object(
            [
                ("Description", self.get("Description").unwrap_or_default()),
                ("IsOfficial", self.result.is_official.to_string()),
                ("Name", self.result.name.clone()),
                ("StarCount", self.result.star_count.to_string()),
            ]
            .into_iter(),
        )
    }
}

/// Everything `docker search` prints to stdout for `results` (in the index's order; the CLI
/// does not sort since 23.0): `NAME DESCRIPTION STARS OFFICIAL`, descriptions on one line and
/// cut to 45 display columns with `…` unless `--no-trunc` (in `--format json` too).
///
/// # Errors
/// A [`TemplateError`] for a bad `--format`.
///
/// # Examples
/// ```
/// use dimg_render::{search, SearchView};
/// let hits: Vec<dimg::SearchResult> = serde_json::from_str(r#"[
///   {"name":"library/tomcat","description":"Apache Tomcat is an open source implementation of the Java Servlet","star_count":2464,"is_official":true},
///   {"name":"bitnami/tomcat","description":"Bitnami Tomcat Docker Image","star_count":29}]"#).unwrap();
/// assert_eq!(
///     search(&hits, &SearchView::new()).unwrap(),
///     "NAME             DESCRIPTION                                     STARS     OFFICIAL\n\
///      library/tomcat   Apache Tomcat is an open source implementati…   2464      [OK]\n\
///      bitnami/tomcat   Bitnami Tomcat Docker Image                     29        \n"
/// );
/// assert_eq!(
///     search(&hits[1..], &SearchView::new().format("json")).unwrap(),
///     "{\"Description\":\"Bitnami Tomcat Docker Image\",\"IsOfficial\":\"false\",\"Name\":\"bitnami/tomcat\",\"StarCount\":\"29\"}\n"
/// );
/// ```
pub fn search(results: &[SearchResult], view: &SearchView) -> Result<String, TemplateError> {
    let format = view
        .format
        .as_deref()
        .filter(|f| !f.is_empty() && *f != "table")
        .unwrap_or(SEARCH_TABLE_FORMAT);
    let data: Vec<SearchRowData<'_>> = results
        .iter()
        .map(|result| SearchRowData {
            result,
            trunc: !view.no_trunc,
        })
        .collect();
    write_rows(format, data.iter().map(|d| d as &dyn TemplateData), SEARCH_TITLES)
}

/// The warning `docker search` prints to stderr when a filter uses `is-automated`.
pub const IS_AUTOMATED_WARNING: &str = "WARNING: the \"is-automated\" filter is deprecated, and searching for \"is-automated=true\" will not yield any results in future.";

// ---------------------------------------------------------------------------------------------
// docker pull
// ---------------------------------------------------------------------------------------------

/// What `docker pull` prints before it asks the daemon: checks the reference as the CLI does
/// and returns `Using default tag: latest\n` for a name without tag or digest (unless
/// `all_tags` or `quiet`), else an empty string.
///
/// # Errors
/// [`Error::InvalidReference`] with distribution/reference's message;
/// [`Error::InvalidArgument`] `tag can't be used with --all-tags/-a`.
///
/// ```
/// use dimg_render::pull_preamble;
/// assert_eq!(pull_preamble("zookeeper", false, false).unwrap(), "Using default tag: latest\n");
/// assert_eq!(pull_preamble("zookeeper:3.9", false, false).unwrap(), "");
/// assert_eq!(pull_preamble("zookeeper", false, true).unwrap(), "");
/// assert_eq!(pull_preamble("tiny:1.0", true, false).unwrap_err().to_string(), "tag can't be used with --all-tags/-a");
/// ```
pub fn pull_preamble(reference: &str, all_tags: bool, quiet: bool) -> Result<String, Error> {
    let parsed = ImageRef::parse(reference)?;
    let name_only = parsed.is_name_only();
    if all_tags && !name_only {
        return Err(Error::InvalidArgument(
            "tag can't be used with --all-tags/-a".to_string(),
        ));
    }
    Ok(if !all_tags && name_only && !quiet {
        "Using default tag: latest\n".to_string()
    } else {
        String::new()
    })
}

/// How `docker pull` shows progress.
///
/// ```
/// use std::io::IsTerminal;
/// use dimg_render::PullMode;
/// let quiet = false;
/// let mode = if quiet {
///     PullMode::Quiet
/// } else if std::io::stdout().is_terminal() {
///     PullMode::Terminal(Some(120)) // the terminal's width, as TIOCGWINSZ reports it
/// } else {
///     PullMode::Plain
/// };
/// # let _ = mode;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PullMode {
    /// stdout is not a terminal: one `ID: Status` line per message, skipping the ones with
    /// a progress bar.
    Plain,
    /// stdout is a terminal this many columns wide (`None`: unknown, treated as 200): each
    /// layer's line is rewritten in place.
    Terminal(Option<u16>),
    /// `-q`: nothing but the final reference.
    Quiet,
}

/// Renders a pull as `docker pull` does, event by event.
///
/// # Examples
/// ```
/// use dimg_render::{PullMode, PullPrinter};
/// let mut printer = PullPrinter::new(PullMode::Plain);
/// let mut out = String::new();
/// for line in [
///     r#"{"status":"Pulling from tiny","id":"1.0"}"#,
///     r#"{"status":"Pulling fs layer","progressDetail":{},"id":"d8a34c5205df"}"#,
///     r#"{"status":"Downloading","progressDetail":{"current":174,"total":174},"id":"d8a34c5205df"}"#,
///     r#"{"status":"Pull complete","progressDetail":{},"id":"d8a34c5205df"}"#,
///     r#"{"status":"Status: Downloaded newer image for 127.0.0.1:5000/tiny:1.0"}"#,
/// ] {
///     out.push_str(&printer.event(&dimg::PullEvent::from_json(line.as_bytes()).unwrap()));
/// }
/// assert_eq!(out, "1.0: Pulling from tiny\nd8a34c5205df: Pulling fs layer\n\
///                  d8a34c5205df: Pull complete\nStatus: Downloaded newer image for 127.0.0.1:5000/tiny:1.0\n");
/// ```
#[derive(Debug, Clone)]
pub struct PullPrinter {
    mode: PullMode,
    tty: format::TtyProgress,
}

impl PullPrinter {
    /// A printer for this mode.
    pub fn new(mode: PullMode) -> PullPrinter {
        let width = match mode {
            PullMode::Terminal(w) => w,
            _ => None,
        };
        PullPrinter {
            mode,
            tty: format::TtyProgress::new(width),
        }
    }

    /// Updates the terminal width (the CLI asks for it at every message).
    pub fn set_width(&mut self, width_cols: Option<u16>) {
        if let PullMode::Terminal(_) = self.mode {
            self.mode = PullMode::Terminal(width_cols);
            self.tty.set_width(width_cols);
        }
    }

    /// Fixes the clock of the time-left estimates (terminal mode), for reproducible output.
    pub fn set_now(&mut self, now: Option<SystemTime>) {
        self.tty.set_now(now);
    }

    /// The bytes to write for one event.
    ///
    /// A layer message (an id and a `progressDetail`, which the daemon sends with every
    /// layer status but not with `Pulling from`) owns a line in terminal mode; in plain mode
    /// it is skipped when its progress would render (`Downloading`/`Extracting` with counts).
    pub fn event(&mut self, event: &PullEvent) -> String {
        let current = event.current.unwrap_or(0);
        let total = event.total.unwrap_or(0);
        match self.mode {
            PullMode::Quiet => String::new(),
            PullMode::Plain => {
                let rendered = current > 0 || total > 0;
                match format::non_tty_line(event.id.as_deref(), &event.status, rendered) {
                    Some(mut line) => {
                        line.push('\n');
                        line
                    }
                    None => String::new(),
                }
            }
            PullMode::Terminal(_) => {
                let layer = event.id.is_some() && event.phase != PullPhase::PullingFrom;
                let progress = layer.then(|| {
                    (
                        i64::try_from(current).unwrap_or(i64::MAX),
                        i64::try_from(total).unwrap_or(i64::MAX),
                    )
                });
                let mut out = String::new();
                self.tty.event(&mut out, event.id.as_deref(), &event.status, progress);
                out
            }
        }
    }

    /// The last line: the normalised reference that was pulled
    /// (`docker.io/library/zookeeper:latest`), printed in every mode.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// use dimg_render::{PullMode, PullPrinter};
    /// let mut printer = PullPrinter::new(PullMode::Quiet);
    /// let mut pull = docker.images().pull("zookeeper", &Default::default());
    /// while let Some(event) = pull.next_event().await {
    ///     print!("{}", printer.event(&event?));
    /// }
    /// assert_eq!(printer.finish(pull.summary()), "docker.io/library/zookeeper:latest\n");
    /// # Ok(()) }
    /// ```
    pub fn finish(&self, summary: &PullSummary) -> String {
        format!("{}\n", summary.reference)
    }
}

// ---------------------------------------------------------------------------------------------
// docker rmi
// ---------------------------------------------------------------------------------------------

/// `Untagged: …` / `Deleted: …` lines, each ended by `\n`, as `docker rmi` prints them to
/// stdout.
///
/// ```
/// use dimg::RemovedItem;
/// let items = [RemovedItem::Untagged("myrepo/tiny:a".into()), RemovedItem::Deleted("sha256:4c34".into())];
/// assert_eq!(dimg_render::removed_lines(&items), "Untagged: myrepo/tiny:a\nDeleted: sha256:4c34\n");
/// ```
pub fn removed_lines<'a>(items: impl IntoIterator<Item = &'a RemovedItem>) -> String {
    let mut out = String::new();
    for item in items {
        let _ = writeln!(out, "{item}");
    }
    out
}

/// The message `docker rmi` prints for one failed target. Daemon answers read
/// `Error response from daemon: …`. A name dimg refused before sending (an invalid
/// reference) is worded as the daemon words it for the same name, so the output matches
/// docker's: `Error response from daemon: invalid reference format: repository name must be
/// lowercase`.
///
/// ```
/// let e = dimg::Error::NotFound("No such image: nosuch:latest".into());
/// assert_eq!(dimg_render::remove_error(&e), "Error response from daemon: No such image: nosuch:latest");
/// let e = dimg::ImageRef::parse("Tiny").unwrap_err();
/// assert_eq!(dimg_render::remove_error(&e),
///            "Error response from daemon: invalid reference format: repository name must be lowercase");
/// ```
pub fn remove_error(error: &Error) -> String {
    match error {
        Error::InvalidReference { reason, .. } => {
            format!("Error response from daemon: {}", daemon_reference_reason(reason))
        }
        other => crate::cli_message(other),
    }
}

/// dockerd's (older distribution/reference) wording, which does not name the repository in
/// the lowercase error.
fn daemon_reference_reason(reason: &str) -> String {
    const PREFIX: &str = "invalid reference format: repository name (";
    const SUFFIX: &str = ") must be lowercase";
    if reason.starts_with(PREFIX) && reason.ends_with(SUFFIX) {
        "invalid reference format: repository name must be lowercase".to_string()
    } else {
        reason.to_string()
    }
}

/// The errors of a `docker rmi`, one per line (each ended by `\n`), as the CLI prints them
/// to stderr after everything else; empty when there were none.
///
/// ```
/// let errors = [
///     dimg::Error::NotFound("No such image: nosuch:latest".into()),
///     dimg::Error::Conflict("conflict: unable to delete 4c34b7be319e (must be forced)".into()),
/// ];
/// assert_eq!(
///     dimg_render::error_lines(&errors),
///     "Error response from daemon: No such image: nosuch:latest\n\
///      Error response from daemon: conflict: unable to delete 4c34b7be319e (must be forced)\n"
/// );
/// ```
pub fn error_lines<'a>(errors: impl IntoIterator<Item = &'a Error>) -> String {
    let mut out = String::new();
    for e in errors {
        out.push_str(&remove_error(e));
        out.push('\n');
    }
    out
}

/// [`error_lines`] of a whole report (stderr of `docker rmi`).
///
/// ```no_run
/// # async fn demo(docker: dimg::Client) {
/// let report = docker.images().remove_many(["a:1", "nosuch"], &Default::default()).await;
/// print!("{}", dimg_render::remove_stdout(&report));
/// eprint!("{}", dimg_render::remove_errors(&report));
/// std::process::exit(report.exit_code());
/// # }
/// ```
pub fn remove_errors(report: &RemoveReport) -> String {
    error_lines(report.errors())
}

/// [`removed_lines`] of a whole report (stdout of `docker rmi`).
pub fn remove_stdout(report: &RemoveReport) -> String {
    removed_lines(report.removed())
}

// ---------------------------------------------------------------------------------------------
// docker image prune
// ---------------------------------------------------------------------------------------------

/// The question `docker image prune` asks before it removes anything (without `-f`), on
/// stdout; the answer is read from stdin, and only `y` or `Y` goes on.
pub fn prune_prompt(all: bool) -> &'static str {
    if all {
        "WARNING! This will remove all images without at least one container associated to them.\n\
         Are you sure you want to continue? [y/N] "
    } else {
        "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] "
    }
}

/// What `docker image prune` prints once the daemon answered: the removed items in lower
/// case, a blank line, and the space reclaimed in docker's units.
///
/// ```
/// let report: dimg::PruneReport = Default::default();
/// assert_eq!(dimg_render::prune_stdout(&report), "Total reclaimed space: 0B\n");
/// ```
pub fn prune_stdout(report: &PruneReport) -> String {
    let mut out = String::new();
    if !report.deleted.is_empty() {
        out.push_str("Deleted Images:\n");
        for item in &report.deleted {
            let _ = match item {
                RemovedItem::Untagged(reference) => writeln!(out, "untagged: {reference}"),
                RemovedItem::Deleted(id) => writeln!(out, "deleted: {id}"),
            };
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Total reclaimed space: {}",
        format::human_size(report.space_reclaimed as f64)
    );
    out
}

// ---------------------------------------------------------------------------------------------
// docker info
// ---------------------------------------------------------------------------------------------

/// The part of `docker info` about images: counts, storage driver, root directory, registry
/// mirrors and insecure registries, in the CLI's layout and wording.
///
/// ```
/// let info: dimg::Info = serde_json::from_str(r#"{"ServerVersion":"20.10.24","Driver":"vfs",
///   "DockerRootDir":"/var/lib/docker","Images":3,"Containers":1,
///   "RegistryConfig":{"Mirrors":["http://127.0.0.1:5001/"],"InsecureRegistryCIDRs":["127.0.0.0/8"],
///     "IndexConfigs":{"docker.io":{"Name":"docker.io","Secure":true,"Official":true}}}}"#).unwrap();
/// assert_eq!(dimg_render::info(&info), "Server:\n Containers: 1\n Images: 3\n Server Version: 20.10.24\n \
///     Storage Driver: vfs\n Docker Root Dir: /var/lib/docker\n Insecure Registries:\n  127.0.0.0/8\n \
///     Registry Mirrors:\n  http://127.0.0.1:5001/\n");
/// ```
pub fn info(info: &Info) -> String {
    let mut out = String::from("Server:\n");
    let _ = writeln!(out, " Containers: {}", info.containers);
    let _ = writeln!(out, " Images: {}", info.images);
    let _ = writeln!(out, " Server Version: {}", info.server_version);
    let _ = writeln!(out, " Storage Driver: {}", info.driver);
    if !info.operating_system.is_empty() {
        let _ = writeln!(out, " Operating System: {}", info.operating_system);
    }
    let _ = writeln!(out, " Docker Root Dir: {}", info.docker_root_dir);
    let registry = &info.registry_config;
    if !registry.insecure_registry_cidrs.is_empty() || !registry.index_configs.is_empty() {
        out.push_str(" Insecure Registries:\n");
        for index in registry.index_configs.values().filter(|i| !i.secure) {
            let _ = writeln!(out, "  {}", index.name);
        }
        for cidr in &registry.insecure_registry_cidrs {
            let _ = writeln!(out, "  {cidr}");
        }
    }
    if !registry.mirrors.is_empty() {
        out.push_str(" Registry Mirrors:\n");
        for mirror in &registry.mirrors {
            let _ = writeln!(out, "  {mirror}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use dimg::RemoveOutcome;

    const NOW: i64 = 1_800_000_000;
    const TINY: &str = "sha256:4c34b7be319e90a0ede2073db086bea0a138521dca30ebc3d0b301fff036ca6b";
    const DANGLING: &str = "sha256:e63ddaaad803fc8e7c246145966c3dd9048f4aed6216a898451187327edeec2d";
    const DIGEST: &str = "sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9";

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW as u64)
    }

    fn image(id: &str, tags: &[&str], digests: &[&str], created: i64, size: i64) -> ImageSummary {
        serde_json::from_value(serde_json::json!({
            "Id": id, "RepoTags": tags, "RepoDigests": digests, "Created": created, "Size": size,
        }))
        .unwrap()
    }

    /// The images of the CLI transcript in `samples/docker-20.10`: a dangling import, and tiny
    /// with a pulled tag (and its digest) plus two local tags.
    fn transcript_images() -> Vec<ImageSummary> {
        vec![
            image(DANGLING, &[], &[], NOW, 3),
            image(
                TINY,
                &["127.0.0.1:5000/tiny:1.0", "myrepo/tiny:a", "myrepo/tiny:b"],
                &[&format!("127.0.0.1:5000/tiny@{DIGEST}")],
                NOW - 15 * 60,
                6,
            ),
        ]
    }

    fn render_images(list: &[ImageSummary], view: ImagesView) -> String {
        images(list, &view, now()).unwrap()
    }

    #[test]
    fn images_table_digests_quiet_and_no_trunc_match_the_cli_transcript() {
        let list = transcript_images();
        assert_eq!(
            render_images(&list, ImagesView::new()),
            "REPOSITORY            TAG       IMAGE ID       CREATED                  SIZE\n\
             <none>                <none>    e63ddaaad803   Less than a second ago   3B\n\
             127.0.0.1:5000/tiny   1.0       4c34b7be319e   15 minutes ago           6B\n\
             myrepo/tiny           a         4c34b7be319e   15 minutes ago           6B\n\
             myrepo/tiny           b         4c34b7be319e   15 minutes ago           6B\n"
        );
        assert_eq!(
            render_images(&list, ImagesView::new().digests(true)),
            format!(
                "REPOSITORY            TAG       DIGEST                                                                    IMAGE ID       CREATED                  SIZE\n\
                 <none>                <none>    <none>                                                                    e63ddaaad803   Less than a second ago   3B\n\
                 127.0.0.1:5000/tiny   1.0       {DIGEST}   4c34b7be319e   15 minutes ago           6B\n\
                 myrepo/tiny           a         <none>                                                                    4c34b7be319e   15 minutes ago           6B\n\
                 myrepo/tiny           b         <none>                                                                    4c34b7be319e   15 minutes ago           6B\n"
            )
        );
        // -q: one id per row, never de-duplicated.
        assert_eq!(
            render_images(&list, ImagesView::new().quiet(true)),
            "e63ddaaad803\n4c34b7be319e\n4c34b7be319e\n4c34b7be319e\n"
        );
        assert_eq!(
            render_images(&list, ImagesView::new().quiet(true).no_trunc(true)),
            format!("{DANGLING}\n{TINY}\n{TINY}\n{TINY}\n")
        );
        // `--format table` with -q is the ids; a custom format wins over -q.
        assert_eq!(
            render_images(&list[..1], ImagesView::new().quiet(true).format("table")),
            "e63ddaaad803\n"
        );
        assert_eq!(
            render_images(&list[..1], ImagesView::new().quiet(true).format("{{.Size}}")),
            "3B\n"
        );
        // No images: the header alone.
        assert_eq!(
            render_images(&[], ImagesView::new()),
            "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n"
        );
        assert_eq!(render_images(&[], ImagesView::new().quiet(true)), "");
    }

    #[test]
    fn images_json_is_all_strings_with_go_escaping() {
        let list = transcript_images();
        let out = render_images(&list, ImagesView::new().format("json"));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "{{\"Containers\":\"N/A\",\"CreatedAt\":\"{}\",\"CreatedSince\":\"Less than a second ago\",\
                 \"Digest\":\"\\u003cnone\\u003e\",\"ID\":\"e63ddaaad803\",\"Repository\":\"\\u003cnone\\u003e\",\
                 \"SharedSize\":\"N/A\",\"Size\":\"3B\",\"Tag\":\"\\u003cnone\\u003e\",\"UniqueSize\":\"N/A\",\
                 \"VirtualSize\":\"3B\"}}",
                go_time_utc(NOW)
            )
        );
        // Without --digests the digest of a tagged row is `<none>`, as in the transcript.
        assert!(lines[1].contains("\"Digest\":\"\\u003cnone\\u003e\""));
        assert_eq!(out, render_images(&list, ImagesView::new().format("{{json .}}")));
        // `{{.Digest}}` in the format turns digest expansion on.
        assert_eq!(
            render_images(&list[1..], ImagesView::new().format("{{.Repository}} {{.Digest}}")),
            format!("127.0.0.1:5000/tiny {DIGEST}\nmyrepo/tiny <none>\nmyrepo/tiny <none>\n")
        );
        // `json` of a plain string does not escape HTML (the encoder has SetEscapeHTML(false)).
        assert_eq!(
            render_images(&list[..1], ImagesView::new().format("{{json .Tag}}")),
            "\"<none>\"\n"
        );
        let mut s = String::new();
        write_go_json_string(&mut s, "a\u{1}\u{8}\u{c}\u{7f}\u{2028}\u{2029}&é", true);
        assert_eq!(s, "\"a\\u0001\\b\\f\u{7f}\\u2028\\u2029\\u0026é\"");
    }

    #[test]
    fn digest_only_and_multi_digest_rows() {
        let d2 = "sha256:7777777777777777777777777777777777777777777777777777777777777777";
        let list = vec![image(
            TINY,
            &["a/x:1", "a/x:2", "docker.io/library/zoo:latest"],
            &[&format!("a/x@{DIGEST}"), &format!("a/x@{d2}"), &format!("b/y@{DIGEST}")],
            NOW - 3600,
            1,
        )];
        let rows = |expand| {
            image_rows(&list, &ImagesView::new().digests(expand))
                .into_iter()
                .map(|r| format!("{} {} {}", r.repository, r.tag, r.digest))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            rows(false),
            ["a/x 1 <none>", "a/x 2 <none>", "zoo latest <none>", "b/y <none> "]
        );
        assert_eq!(
            rows(true),
            [
                format!("a/x 1 {DIGEST}"),
                format!("a/x 2 {DIGEST}"),
                format!("a/x 1 {d2}"),
                format!("a/x 2 {d2}"),
                "zoo latest <none>".to_string(),
                format!("b/y <none> {DIGEST}"),
            ]
        );
        // Unparseable references are skipped; an image left with no row shows nothing.
        let odd = vec![image(TINY, &["Bad:Ref", "ok:1"], &["nodigest:1"], NOW, 1)];
        let r: Vec<_> = image_rows(&odd, &ImagesView::new().digests(true))
            .into_iter()
            .map(|r| r.repository)
            .collect();
        assert_eq!(r, ["ok"]);
    }

    #[test]
    fn sizes_and_ages_at_their_boundaries() {
        let cases: &[(i64, &str)] = &[
            (0, "0B"),
            (999, "999B"),
            (1000, "1kB"),
            (1032, "1.03kB"),
            (19_977, "20kB"),
            (999_499, "999kB"),
            (999_500, "1e+03kB"),
            (1_000_000, "1MB"),
            (2_746_000, "2.75MB"),
            (20_971_520, "21MB"),
            (999_500_000, "1e+03MB"),
        ];
        let ages: &[(i64, &str)] = &[
            (0, "Less than a second ago"),
            (-3600, "Less than a second ago"),
            (1, "1 second ago"),
            (59, "59 seconds ago"),
            (60, "About a minute ago"),
            (119, "About a minute ago"),
            (120, "2 minutes ago"),
            (3570, "59 minutes ago"), // 59.5 minutes
            (3599, "59 minutes ago"),
            (3600, "About an hour ago"),
            (5399, "About an hour ago"), // 1.4997 h rounds to 1
            (5400, "2 hours ago"),       // 1.5 h rounds to 2
            (47 * 3600 + 1799, "47 hours ago"),
            (47 * 3600 + 1800, "2 days ago"), // 47.5 h rounds to 48
            (13 * 86400 + 23 * 3600 + 1799, "13 days ago"),
            (13 * 86400 + 23 * 3600 + 1800, "2 weeks ago"), // 335.5 h rounds to 336
            (59 * 86400 + 23 * 3600 + 1799, "8 weeks ago"),
            (59 * 86400 + 23 * 3600 + 1800, "2 months ago"), // 1439.5 h rounds to 1440
            (729 * 86400 + 12 * 3600, "24 months ago"),
            (729 * 86400 + 23 * 3600 + 1800, "1 years ago"), // go-units: int(hours)/24/365
            (3 * 365 * 86400, "3 years ago"),
        ];
        for (size, want) in cases {
            let list = [image(TINY, &["s:1"], &[], NOW - 3 * 86400, *size)];
            let out = render_images(&list, ImagesView::new().format("{{.Size}}|{{.CreatedSince}}"));
            assert_eq!(out, format!("{want}|3 days ago\n"), "size {size}");
        }
        for (age, want) in ages {
            let list = [image(TINY, &["s:1"], &[], NOW - age, 1)];
            let out = render_images(&list, ImagesView::new().format("{{.CreatedSince}}"));
            assert_eq!(out, format!("{want}\n"), "age {age}");
        }
        // The Go zero time: no CreatedSince, so the default table says N/A.
        let zero = [image(TINY, &["z:1"], &[], -62_135_596_800, 1)];
        assert_eq!(
            render_images(&zero, ImagesView::new()),
            "REPOSITORY   TAG       IMAGE ID       CREATED   SIZE\nz            1         4c34b7be319e   N/A       1B\n"
        );
        assert_eq!(
            render_images(&zero, ImagesView::new().format("{{.CreatedAt}}")),
            "0001-01-01 00:00:00 +0000 UTC\n"
        );
    }

    #[test]
    fn custom_formats_and_the_format_keywords() {
        let list = transcript_images();
        assert_eq!(
            render_images(&list[1..2], ImagesView::new().format("table {{.ID}}\\t{{.Tag}}")),
            "IMAGE ID       TAG\n4c34b7be319e   1.0\n4c34b7be319e   a\n4c34b7be319e   b\n"
        );
        // Any format starting with `table` is a table; ` json ` is a plain template.
        assert_eq!(
            render_images(&list[..1], ImagesView::new().format("tablex{{.Size}}")),
            "xSIZE\nx3B\n"
        );
        assert_eq!(render_images(&list[..1], ImagesView::new().format(" json ")), "json\n");
        // Plain templates keep tabs and newlines as they are.
        assert_eq!(
            render_images(&list[..1], ImagesView::new().format("{{.ID}}\\t{{.Size}}\\n--")),
            "e63ddaaad803\t3B\n--\n"
        );
        // --digests adds the column to a table format that lacks it.
        assert_eq!(
            render_images(&list[1..2], ImagesView::new().digests(true).format("table {{.Tag}}")),
            format!("TAG       DIGEST\n1.0       {DIGEST}\na         <none>\nb         <none>\n")
        );
        assert_eq!(
            render_images(&list[..1], ImagesView::new().format("raw")),
            format!(
                "repository: <none>\ntag: <none>\nimage_id: e63ddaaad803\ncreated_at: {}\nvirtual_size: 3B\n\n",
                go_time_utc(NOW)
            )
        );
    }

    fn template_error(format: &str) -> String {
        images(&transcript_images(), &ImagesView::new().format(format), now())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn templates_execute_like_go() {
        let list = transcript_images();
        let out = render_images(
            &list[1..2],
            ImagesView::new().format(
                "{{upper .Repository | lower}} {{title \"my tag\"}}={{.Tag}} {{truncate .ID 4}}  {{- /* c */ -}}  \
                 [{{pad .Size 1 1}}]{{if .Containers}}!{{else}}?{{end}}{{if .Digest}}{{.Digest}}{{else if .Tag}}t{{end}}",
            ),
        );
        assert_eq!(
            out.lines().next(),
            Some(format!("127.0.0.1:5000/tiny My Tag=1.0 4c34[ 6B ]!{DIGEST}").as_str())
        );
        assert_eq!(
            render_images(
                &list[1..2],
                ImagesView::new()
                    .format("{{join (split .Repository \"/\") \"|\"}} {{index (split .Repository \"/\") 1}}")
            )
            .lines()
            .next(),
            Some("127.0.0.1:5000|tiny tiny")
        );
        assert_eq!(
            render_images(
                &list[1..2],
                ImagesView::new().format(
                    "{{printf \"%-22s|%5.2s|%03d|%q\" .Repository .Tag 7 .Tag}} {{len .Tag}} {{if and (eq .Tag \"a\" \"b\") (not (ne .Size \"6B\"))}}ab{{else}}-{{end}}"
                )
            ),
            "127.0.0.1:5000/tiny   |   1.|007|\"1.0\" 3 -\nmyrepo/tiny           |    a|007|\"a\" 1 ab\nmyrepo/tiny           |    b|007|\"b\" 1 ab\n"
        );
        assert_eq!(
            render_images(
                &list[..1],
                ImagesView::new().format("{{print .Size 1 2 \"x\"}}|{{println .Size 1}}|{{printf \"%d %s\" .Size}}")
            ),
            "3B1 2x|3B 1\n|%!d(string=3B) %!s(MISSING)\n"
        );
    }

    #[test]
    fn template_errors_read_like_go() {
        assert_eq!(
            template_error("{{.ID}} {{.Foo}}"),
            "template parsing error: template: :1:10: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.imageContext"
        );
        assert_eq!(
            template_error("table {{.ID}}\\t{{.Foo}}"),
            "template parsing error: template: :1:10: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.imageContext"
        );
        assert_eq!(
            template_error("{{.ID}}\\n  {{ .Foo }}"),
            "template parsing error: template: :2:5: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.imageContext"
        );
        assert_eq!(
            template_error("{{.ID"),
            "template parsing error: template: :1: unclosed action"
        );
        assert_eq!(
            template_error("{{nosuchfn .ID}}"),
            "template parsing error: template: :1: function \"nosuchfn\" not defined"
        );
        assert_eq!(
            template_error("{{end}}"),
            "template parsing error: template: :1: unexpected {{end}}"
        );
        assert_eq!(
            template_error("{{if .ID}}x"),
            "template parsing error: template: :1: unexpected EOF"
        );
        assert_eq!(
            template_error("{{upper .}}"),
            "template parsing error: template: :1:8: executing \"\" at <.>: wrong type for value; expected string; got *formatter.imageContext"
        );
        assert_eq!(
            template_error("{{upper .ID .Tag}}"),
            "template parsing error: template: :1:2: executing \"\" at <upper>: wrong number of args for upper: want 1 got 2"
        );
        assert_eq!(
            template_error("{{.ID.Short}}"),
            "template parsing error: template: :1:5: executing \"\" at <.ID.Short>: can't evaluate field Short in type string"
        );
        // A parse error shows even without rows; an execution error needs a row.
        assert!(images(&[], &ImagesView::new().format("{{.ID"), now()).is_err());
        assert_eq!(images(&[], &ImagesView::new().format("{{.Foo}}"), now()).unwrap(), "");
        // In a table without rows, the header of an unknown field is `<no value>`.
        assert_eq!(
            images(&[], &ImagesView::new().format("table {{.Foo}}\t{{.ID}}"), now()).unwrap(),
            "<no value>   IMAGE ID\n"
        );
    }

    fn hit(name: &str, description: &str, stars: u64, official: bool) -> SearchResult {
        serde_json::from_value(serde_json::json!({
            "name": name, "description": description, "star_count": stars, "is_official": official,
        }))
        .unwrap()
    }

    #[test]
    fn search_rows_truncate_by_display_width() {
        let hits = vec![
            hit(
                "edge/newlines",
                "first line\nsecond line\r\nthird line\rlast line",
                7,
                false,
            ),
            hit(
                "edge/cjk",
                "官方中文描述：这是一个用于测试宽字符显示与截断的镜像，包含全角字符ＡＢＣ和汉字。",
                88,
                true,
            ),
            hit("edge/len-45", "Exactly forty-five columns of text, no more..", 2, false),
            hit(
                "edge/len-46",
                "Exactly forty-six columns of text, no more....",
                2,
                false,
            ),
            hit("edge/empty", "", 3, false),
        ];
        assert_eq!(
            search(&hits, &SearchView::new()).unwrap(),
            "NAME            DESCRIPTION                                     STARS     OFFICIAL\n\
             edge/newlines   first line second line  third line last line    7         \n\
             edge/cjk        官方中文描述：这是一个用于测试宽字符显示与截…   88        [OK]\n\
             edge/len-45     Exactly forty-five columns of text, no more..   2         \n\
             edge/len-46     Exactly forty-six columns of text, no more..…   2         \n\
             edge/empty                                                      3         \n"
        );
        let json = search(&hits[1..2], &SearchView::new().format("json")).unwrap();
        assert_eq!(
            json,
            "{\"Description\":\"官方中文描述：这是一个用于测试宽字符显示与截…\",\"IsOfficial\":\"true\",\"Name\":\"edge/cjk\",\"StarCount\":\"88\"}\n"
        );
        let no_trunc = search(
            &hits[..1],
            &SearchView::new()
                .no_trunc(true)
                .format("{{.Description}}|{{.IsOfficial}}|"),
        );
        assert_eq!(no_trunc.unwrap(), "first line second line  third line last line||\n");
        assert_eq!(
            search(
                &hits[1..2],
                &SearchView::new().format("table {{.Name}}\t{{.IsOfficial}}")
            )
            .unwrap(),
            "NAME       OFFICIAL\nedge/cjk   [OK]\n"
        );
        assert_eq!(
            search(&[], &SearchView::new()).unwrap(),
            "NAME      DESCRIPTION   STARS     OFFICIAL\n"
        );
        assert_eq!(
            search(&hits, &SearchView::new().format("{{.IsAutomated}}"))
                .unwrap_err()
                .to_string(),
            "template parsing error: template: :1:2: executing \"\" at <.IsAutomated>: can't evaluate field IsAutomated in type *registry.searchContext"
        );
    }

    fn events(sample: &str) -> Vec<PullEvent> {
        sample
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| PullEvent::from_json(l.as_bytes()).unwrap())
            .collect()
    }

    const FRESH: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/samples/docker-20.10/pull-stream.fresh.v1.41.jsonl"
    ));

    #[test]
    fn pull_plain_lines_match_the_cli() {
        let mut printer = PullPrinter::new(PullMode::Plain);
        let out: String = events(FRESH).iter().map(|e| printer.event(e)).collect();
        assert_eq!(
            out,
            "1.0: Pulling from tiny\n\
             d8a34c5205df: Pulling fs layer\n\
             d8a34c5205df: Verifying Checksum\n\
             d8a34c5205df: Pull complete\n\
             Digest: sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9\n\
             Status: Downloaded newer image for 127.0.0.1:5000/tiny:1.0\n"
        );
        let mut quiet = PullPrinter::new(PullMode::Quiet);
        assert!(events(FRESH).iter().all(|e| quiet.event(e).is_empty()));
        // A progress message without counts is printed; one with counts is not.
        let zero =
            PullEvent::from_json(br#"{"status":"Downloading","progressDetail":{"current":0,"total":0},"id":"ab"}"#)
                .unwrap();
        assert_eq!(printer.event(&zero), "ab: Downloading\n");
        let only_total =
            PullEvent::from_json(br#"{"status":"Extracting","progressDetail":{"total":5},"id":"ab"}"#).unwrap();
        assert_eq!(printer.event(&only_total), "");
    }

    #[test]
    fn pull_terminal_output_matches_the_captured_tty_bytes() {
        // The sample was captured through `script`, whose terminal turns `\n` into `\r\n`; its
        // stream had one Download complete where the JSON sample has Verifying Checksum.
        let captured = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/samples/docker-20.10/pull-tty.28.2.2.txt"
        ));
        let body: String = captured
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n")
            .replace("^[", "\x1b")
            .replace("^M", "\r");
        let mut printer = PullPrinter::new(PullMode::Terminal(Some(80)));
        let mut out = String::new();
        for e in events(FRESH) {
            let e = if e.phase == PullPhase::VerifyingChecksum {
                PullEvent::from_json(br#"{"status":"Download complete","progressDetail":{},"id":"d8a34c5205df"}"#)
                    .unwrap()
            } else {
                e
            };
            out.push_str(&printer.event(&e));
        }
        let mut summary = PullSummary::new("127.0.0.1:5000/tiny:1.0".into());
        summary.outcome = dimg::PullOutcome::Downloaded;
        summary.layers_pulled = 1;
        summary.events = 9;
        out.push_str(&printer.finish(&summary));
        assert_eq!(
            out.replace('\n', "\r\n"),
            body.trim_end_matches('\n').to_string() + "\n"
        );
    }

    #[test]
    fn pull_preamble_checks_like_the_cli() {
        assert_eq!(
            pull_preamble("127.0.0.1:5000/tiny", false, false).unwrap(),
            "Using default tag: latest\n"
        );
        assert_eq!(pull_preamble("127.0.0.1:5000/tiny", true, false).unwrap(), "");
        assert_eq!(pull_preamble(&format!("tiny@{DIGEST}"), false, false).unwrap(), "");
        assert_eq!(
            pull_preamble("Tiny", false, false).unwrap_err().to_string(),
            "invalid reference format: repository name (library/Tiny) must be lowercase"
        );
        assert!(matches!(
            pull_preamble(&format!("tiny@{DIGEST}"), true, false),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn rmi_output_and_errors() {
        let report = RemoveReport::new(
            vec![
                RemoveOutcome::new(
                    "myrepo/tiny:b",
                    Ok(vec![
                        RemovedItem::Untagged("myrepo/tiny:b".into()),
                        RemovedItem::Deleted(TINY.into()),
                    ]),
                ),
                RemoveOutcome::new("nosuch", Err(Error::NotFound("No such image: nosuch:latest".into()))),
                RemoveOutcome::new("Tiny", Err(ImageRef::parse("Tiny").unwrap_err())),
                RemoveOutcome::new("a b", Err(ImageRef::parse("a b").unwrap_err())),
            ],
            true,
        );
        assert_eq!(
            remove_stdout(&report),
            format!("Untagged: myrepo/tiny:b\nDeleted: {TINY}\n")
        );
        assert_eq!(
            remove_errors(&report),
            "Error response from daemon: No such image: nosuch:latest\n\
             Error response from daemon: invalid reference format: repository name must be lowercase\n\
             Error response from daemon: invalid reference format\n"
        );
        assert_eq!(report.exit_code(), 1);
    }

    #[test]
    fn info_lists_insecure_registries_and_mirrors() {
        let info: Info = serde_json::from_str(
            r#"{"ServerVersion":"20.10.24+dfsg1","Driver":"vfs","DockerRootDir":"/tmp/root","Images":27,
                "OperatingSystem":"Debian GNU/Linux 12 (bookworm)",
                "RegistryConfig":{"Mirrors":["http://127.0.0.1:41501/","https://m.example/"],
                  "InsecureRegistryCIDRs":["127.0.0.0/8"],
                  "IndexConfigs":{"127.0.0.1:41500":{"Name":"127.0.0.1:41500","Secure":false},
                                  "docker.io":{"Name":"docker.io","Secure":true,"Official":true}}}}"#,
        )
        .unwrap();
        assert_eq!(
            super::info(&info),
            "Server:\n Containers: 0\n Images: 27\n Server Version: 20.10.24+dfsg1\n Storage Driver: vfs\n \
             Operating System: Debian GNU/Linux 12 (bookworm)\n Docker Root Dir: /tmp/root\n \
             Insecure Registries:\n  127.0.0.1:41500\n  127.0.0.0/8\n \
             Registry Mirrors:\n  http://127.0.0.1:41501/\n  https://m.example/\n"
        );
        assert_eq!(
            super::info(&Info::default()),
            "Server:\n Containers: 0\n Images: 0\n Server Version: \n Storage Driver: \n Docker Root Dir: \n"
        );
    }
}
