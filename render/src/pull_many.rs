//! `dimg pull NAME NAME...`: several pulls at once ([`dimg::Images::pull_many`]), as the dimg
//! CLI shows them. docker pulls one name at a time, so there is no docker output to match here;
//! the wording reuses docker's (`Digest:`, `Status: Downloaded newer image`, its layer lines and
//! units) and every line starts with what it is about, so that it can be grepped:
//!
//! - one line per image as its pull ends well, [`image_line`]:
//!   `REFERENCE: Digest: sha256:… Status: Downloaded newer image`;
//! - one line per failed image (stderr), [`failure_line`]: `REFERENCE: <docker's message>`;
//! - one line per retry (stderr), [`status_line`]: `REFERENCE: Attempt 2 of 3 in 0.5s after: …`;
//! - a last line over all images, [`total_line`]:
//!   `Total: 8/8 images, 9/9 layers, 770.5kB/770.5kB in 1.2s (642.1kB/s)`.
//!
//! On a terminal, [`ManyPullView`] draws a live view instead: one block per image (its
//! reference line, and while it is pulled its layer lines as `docker pull` draws them), the
//! total line at the bottom, redrawn in place.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use dimg::reference::ImageRef;
use dimg::{Error, PullOutcome, PullPhase, PullPolicy, PullSummary, PullTotals, PullUpdate};

use crate::format;

/// The line for one image whose pull ended well: its normalised reference, then docker's last
/// two lines of a pull on one line (`Digest: …` when known, `Status: …` without docker's
/// ` for NAME`, which the reference in front already says). A pull that `policy` skipped says
/// so as `dimg pull --policy` does for one name.
///
/// ```
/// use dimg::{PullOutcome, PullPolicy, PullSummary};
/// let mut summary = PullSummary::new("127.0.0.1:5000/tiny:1.0".into());
/// summary.digest = Some("sha256:9f7a".into());
/// summary.outcome = PullOutcome::Downloaded;
/// assert_eq!(
///     dimg_render::image_line(&summary, PullPolicy::Always),
///     "127.0.0.1:5000/tiny:1.0: Digest: sha256:9f7a Status: Downloaded newer image"
/// );
/// summary.outcome = PullOutcome::Skipped;
/// assert_eq!(
///     dimg_render::image_line(&summary, PullPolicy::Missing),
///     "127.0.0.1:5000/tiny:1.0: Digest: sha256:9f7a Status: Image is present locally, not pulled (--policy missing)"
/// );
/// ```
pub fn image_line(summary: &PullSummary, policy: PullPolicy) -> String {
    let mut line = format!("{}: ", summary.reference);
    if let Some(digest) = &summary.digest {
        let _ = write!(line, "Digest: {digest} ");
    }
    line.push_str("Status: ");
    match summary.outcome {
        PullOutcome::Downloaded => line.push_str("Downloaded newer image"),
        PullOutcome::UpToDate => line.push_str("Image is up to date"),
        // `newer` asked the registry and found the local image current: docker's "up to date".
        PullOutcome::Skipped if policy == PullPolicy::Newer => line.push_str("Image is up to date"),
        PullOutcome::Skipped => {
            let _ = write!(line, "Image is present locally, not pulled (--policy {policy})");
        }
        // Not told apart (a Podman pull whose image could not be looked up afterwards).
        _ => line.push_str(summary.status.as_deref().unwrap_or("Pull complete")),
    }
    line
}

/// The line for one image whose pull failed: its reference, then the error as `docker pull`
/// words it ([`crate::cli_message`]).
///
/// ```
/// let e = dimg::Error::NotFound("manifest for x:1 not found: manifest unknown".into());
/// assert_eq!(
///     dimg_render::failure_line("docker.io/library/x:1", &e),
///     "docker.io/library/x:1: Error response from daemon: manifest for x:1 not found: manifest unknown"
/// );
/// ```
pub fn failure_line(reference: &str, error: &Error) -> String {
    format!("{reference}: {}", crate::cli_message(error))
}

/// A message about one image (a retry's status), after its reference.
///
/// ```
/// assert_eq!(
///     dimg_render::status_line("docker.io/library/x:1", "Attempt 2 of 3 in 0.5s after: EOF"),
///     "docker.io/library/x:1: Attempt 2 of 3 in 0.5s after: EOF"
/// );
/// ```
pub fn status_line(reference: &str, status: &str) -> String {
    format!("{reference}: {status}")
}

/// The line over all images: images that ended well of all (and how many failed), distinct
/// layers complete of those seen, bytes downloaded of those known in docker's units (go-units
/// `HumanSize`, as in `docker pull`'s progress). While pulls run: the rate and the time left
/// (whole seconds, as docker's progress says it; left out until a byte arrived); once all
/// ended: the time taken and the rate.
///
/// ```
/// use std::time::Duration;
/// let mut t = dimg::PullTotals::default();
/// (t.images, t.images_done, t.layers, t.layers_done) = (8, 3, 9, 5);
/// (t.bytes_done, t.bytes_total, t.elapsed) = (400_000, 770_500, Duration::from_secs(2));
/// assert_eq!(
///     dimg_render::total_line(&t),
///     "Total: 3/8 images, 5/9 layers, 400kB/770.5kB (200kB/s, 1s left)"
/// );
/// (t.images_done, t.images_failed, t.layers_done, t.bytes_done) = (7, 1, 9, 770_500);
/// t.elapsed = Duration::from_millis(1240);
/// assert_eq!(
///     dimg_render::total_line(&t),
///     "Total: 7/8 images (1 failed), 9/9 layers, 770.5kB/770.5kB in 1.2s (621.4kB/s)"
/// );
/// ```
pub fn total_line(totals: &PullTotals) -> String {
    let mut line = format!("Total: {}/{} images", totals.images_done, totals.images);
    if totals.images_failed > 0 {
        let _ = write!(line, " ({} failed)", totals.images_failed);
    }
    let _ = write!(
        line,
        ", {}/{} layers, {}/{}",
        totals.layers_done,
        totals.layers,
        format::human_size(totals.bytes_done as f64),
        format::human_size(totals.bytes_total as f64)
    );
    let rate = format::human_size(totals.rate());
    if totals.finished() {
        let _ = write!(line, " in {} ({rate}/s)", elapsed(totals.elapsed));
    } else {
        let _ = write!(line, " ({rate}/s");
        if let Some(eta) = totals.eta() {
            line.push_str(", ");
            format::write_go_duration_whole_seconds(&mut line, nanos(eta));
            line.push_str(" left");
        }
        line.push(')');
    }
    line
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// `1.2s` below a minute, else Go's whole-seconds form (`1m5s`).
fn elapsed(d: Duration) -> String {
    if d < Duration::from_secs(60) {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        let mut out = String::new();
        format::write_go_duration_whole_seconds(&mut out, nanos(d));
        out
    }
}

/// Where one image's pull is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Waiting,
    Running,
    Done,
    Failed,
}

/// One layer line of a running pull: docker's status and progress for that layer.
#[derive(Debug, Clone)]
struct Layer {
    id: String,
    status: String,
    current: u64,
    total: u64,
}

/// One image's block.
#[derive(Debug, Clone)]
struct Block {
    reference: String,
    stage: Stage,
    /// The reference line after `REFERENCE: `, or the whole line once ended.
    text: String,
    layers: Vec<Layer>,
}

impl Block {
    fn header(&self) -> String {
        match self.stage {
            Stage::Done | Stage::Failed => self.text.clone(),
            Stage::Waiting | Stage::Running => status_line(&self.reference, &self.text),
        }
    }
}

/// The live view of `dimg pull NAME NAME...` on a terminal. Feed it every update of the pulls
/// ([`ManyPullView::apply`]) and write what [`ManyPullView::redraw`] returns whenever the
/// screen should change; write [`ManyPullView::finish`] at the end.
///
/// A frame is one block per image in the order given, then the [`total_line`]:
/// - waiting its turn: `REFERENCE: Waiting`;
/// - running: `REFERENCE: <docker's latest line about the image>` (`Pulling from …`, a retry's
///   `Attempt 2 of 3 …`), then each layer's line as `docker pull` draws it on a terminal,
///   indented by two (`  41580d73fbf7: Downloading [====>   ]  100.2kB/256.3kB`; bars only on
///   terminals wider than 110 columns, as docker);
/// - ended: its one [`image_line`] or [`failure_line`].
///
/// Lines are cut to the terminal's width and the frame to its height (ended blocks, then
/// running ones, keep only their reference line; then blocks are left out with a `… N more
/// images` line), so that redrawing in place (`ESC[nA`, `ESC[2K`) always finds its lines.
///
/// # Examples
/// ```
/// use dimg::{PullPolicy, PullSummary, PullTotals, PullUpdate};
/// let mut view = dimg_render::ManyPullView::new(&["tiny:1.0", "tiny:2.0"], PullPolicy::Always, Some(80), Some(24));
/// assert_eq!(view.frame(), [
///     "docker.io/library/tiny:1.0: Waiting",
///     "docker.io/library/tiny:2.0: Waiting",
///     "Total: 0/2 images, 0/0 layers, 0B/0B (0B/s)",
/// ]);
/// let mut totals = PullTotals::default();
/// totals.images = 2;
/// view.apply(0, "docker.io/library/tiny:1.0", &PullUpdate::Started, &totals);
/// let event = dimg::PullEvent::from_json(br#"{"status":"Pulling fs layer","progressDetail":{},"id":"d8a34c5205df"}"#).unwrap();
/// view.apply(0, "docker.io/library/tiny:1.0", &PullUpdate::Event(&event), &totals);
/// assert_eq!(view.frame()[..2], ["docker.io/library/tiny:1.0: Pulling", "  d8a34c5205df: Pulling fs layer"]);
/// let first = view.redraw();
/// assert!(first.starts_with("\x1b[2Kdocker.io/library/tiny:1.0: Pulling\n"));
/// assert!(view.redraw().starts_with("\x1b[4A\r\x1b[2K")); // up over the 4 lines drawn
/// ```
#[derive(Debug, Clone)]
pub struct ManyPullView {
    blocks: Vec<Block>,
    totals: PullTotals,
    policy: PullPolicy,
    width: Option<u16>,
    rows: Option<u16>,
    /// Lines of the frame on screen (the cursor is on the line below it).
    drawn: usize,
}

impl ManyPullView {
    /// A view of the pulls of `names` (in that order) under `policy`, for a terminal `width`
    /// columns wide and `rows` high (`None`: unknown, no limit). Each name shows normalised
    /// (`docker.io/library/alpine:latest`) until its pull says its reference.
    pub fn new<S: AsRef<str>>(names: &[S], policy: PullPolicy, width: Option<u16>, rows: Option<u16>) -> ManyPullView {
        let blocks = names
            .iter()
            .map(|name| {
                let name = name.as_ref();
                let reference = ImageRef::parse(name)
                    .map(|r| r.with_default_tag().to_string())
                    .unwrap_or_else(|_| name.to_string());
                Block {
                    reference,
                    stage: Stage::Waiting,
                    text: "Waiting".to_string(),
                    layers: Vec::new(),
                }
            })
            .collect();
        let mut totals = PullTotals::default();
        totals.images = names.len();
        ManyPullView {
            blocks,
            totals,
            policy,
            width,
            rows,
            drawn: 0,
        }
    }

    /// A new terminal size (the CLI asks before each redraw); takes effect at the next frame.
    pub fn set_size(&mut self, width: Option<u16>, rows: Option<u16>) {
        self.width = width;
        self.rows = rows;
    }

    /// Takes one update of image `index` (a [`dimg::PullManyProgress`]'s fields) and the
    /// totals after it. A retry starts the image's block afresh: the next attempt's layers
    /// follow.
    pub fn apply(&mut self, index: usize, reference: &str, update: &PullUpdate<'_>, totals: &PullTotals) {
        self.totals = totals.clone();
        let policy = self.policy;
        let Some(block) = self.blocks.get_mut(index) else {
            return;
        };
        block.reference = reference.to_string();
        match update {
            PullUpdate::Started => {
                block.stage = Stage::Running;
                block.text = "Pulling".to_string();
                block.layers.clear();
            }
            PullUpdate::Event(event) if event.phase == PullPhase::Retry => {
                block.text = event.status.clone();
                block.layers.clear();
            }
            // A layer line, as `docker pull` gives each layer id its own line.
            PullUpdate::Event(event) if event.id.is_some() && event.phase != PullPhase::PullingFrom => {
                let id = event.id.as_deref().unwrap_or_default();
                let (current, total) = (event.current.unwrap_or(0), event.total.unwrap_or(0));
                match block.layers.iter_mut().find(|l| l.id == id) {
                    Some(layer) => {
                        layer.status = event.status.clone();
                        (layer.current, layer.total) = (current, total);
                    }
                    None => block.layers.push(Layer {
                        id: id.to_string(),
                        status: event.status.clone(),
                        current,
                        total,
                    }),
                }
            }
            PullUpdate::Event(event) => block.text = event.status.clone(),
            PullUpdate::Finished(result) => {
                (block.stage, block.text) = match result {
                    Ok(summary) => (Stage::Done, image_line(summary, policy)),
                    Err(error) => (Stage::Failed, failure_line(reference, error)),
                };
                block.layers.clear();
            }
            _ => {}
        }
    }

    /// The lines of the frame to show now, cut to the terminal's width and height.
    pub fn frame(&self) -> Vec<String> {
        let limit = self.rows.map(|rows| usize::from(rows).saturating_sub(1).max(2));
        let mut lines = self.fit(limit);
        if let Some(width) = self.width.map(usize::from).filter(|w| *w > 1) {
            // One column spare: a line filling the last column would wrap on some terminals.
            for line in &mut lines {
                *line = format::ellipsis(line, width - 1);
            }
        }
        lines
    }

    /// The blocks' lines and the total line, within `limit` lines.
    fn fit(&self, limit: Option<usize>) -> Vec<String> {
        let fits = |n: usize| limit.is_none_or(|limit| n <= limit);
        let layer_lines = |stages: &[Stage]| -> usize {
            self.blocks
                .iter()
                .filter(|b| stages.contains(&b.stage))
                .map(|b| b.layers.len())
                .sum()
        };
        let headers = self.blocks.len() + 1;
        // Layers of running blocks if they fit (ended blocks have none).
        let show_layers = fits(headers + layer_lines(&[Stage::Running]));
        let mut lines = Vec::new();
        if fits(headers) {
            for block in &self.blocks {
                lines.push(block.header());
                if show_layers {
                    lines.extend(block.layers.iter().map(|l| self.layer_line(l)));
                }
            }
        } else {
            // Too many images for the screen: the running ones first, then failed, waiting
            // and done ones, as many as fit with the total line and a line for the rest.
            let room = limit.unwrap_or(0).saturating_sub(2);
            let rank = |b: &Block| match b.stage {
                Stage::Running => 0,
                Stage::Failed => 1,
                Stage::Waiting => 2,
                Stage::Done => 3,
            };
            let mut chosen: Vec<usize> = (0..self.blocks.len()).collect();
            chosen.sort_by_key(|&i| rank(&self.blocks[i]));
            chosen.truncate(room);
            chosen.sort_unstable();
            lines.extend(chosen.iter().map(|&i| self.blocks[i].header()));
            lines.push(format!("… {} more images", self.blocks.len() - chosen.len()));
        }
        lines.push(total_line(&self.totals));
        lines
    }

    fn layer_line(&self, layer: &Layer) -> String {
        let progress = format::Progress {
            current: i64::try_from(layer.current).unwrap_or(i64::MAX),
            total: i64::try_from(layer.total).unwrap_or(i64::MAX),
            ..format::Progress::default()
        };
        // No start time: no time left per layer (the total line has it over all).
        let mut line = format!("  {}: {} ", layer.id, layer.status);
        progress.write_to(&mut line, self.width, UNIX_EPOCH);
        line.truncate(line.trim_end().len());
        line
    }

    /// The bytes that replace the frame on screen with [`ManyPullView::frame`]: up to the
    /// first line drawn (`ESC[nA`, `\r`), every line erased (`ESC[2K`) and written, lines
    /// left over from a taller frame erased, the cursor left below the frame.
    pub fn redraw(&mut self) -> String {
        let lines = self.frame();
        self.draw(&lines)
    }

    /// The last frame, whole: nothing is redrawn after it, so it may be taller than the
    /// terminal and its lines may wrap. Once every pull ended, that is every image's
    /// [`image_line`] or [`failure_line`] and the [`total_line`].
    pub fn finish(&mut self) -> String {
        let lines = self.fit(None);
        self.draw(&lines)
    }

    fn draw(&mut self, lines: &[String]) -> String {
        let mut out = String::new();
        if self.drawn > 0 {
            let _ = write!(out, "\x1b[{}A\r", self.drawn);
        }
        for line in lines {
            out.push_str("\x1b[2K");
            out.push_str(line);
            out.push('\n');
        }
        let extra = self.drawn.saturating_sub(lines.len());
        for _ in 0..extra {
            out.push_str("\x1b[2K\n");
        }
        if extra > 0 {
            let _ = write!(out, "\x1b[{extra}A");
        }
        self.drawn = lines.len();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dimg::PullEvent;

    const M1: &str = "127.0.0.1:25500/many-cli/m1:1.0";
    const M2: &str = "127.0.0.1:25500/many-cli/m2:1.0";

    fn event(line: &str) -> PullEvent {
        PullEvent::from_json(line.as_bytes()).unwrap()
    }

    fn totals(images: usize) -> PullTotals {
        let mut t = PullTotals::default();
        t.images = images;
        t
    }

    /// What a terminal shows after `bytes` (enough of one for the view: `\r`, `\n`, `ESC[nA`,
    /// `ESC[2K`).
    fn screen(bytes: &str) -> Vec<String> {
        let mut lines: Vec<String> = vec![String::new()];
        let mut row = 0usize;
        let mut rest = bytes;
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            match c {
                '\r' => {}
                '\n' => {
                    row += 1;
                    if lines.len() <= row {
                        lines.push(String::new());
                    }
                }
                '\x1b' => {
                    let end = rest.find(|c: char| c.is_ascii_alphabetic()).unwrap();
                    let (arg, command) = (&rest[1..end], &rest[end..=end]);
                    rest = &rest[end + 1..];
                    match command {
                        "A" => row -= arg.parse::<usize>().unwrap(),
                        "K" => lines[row].clear(),
                        other => panic!("unexpected ESC[{arg}{other}"),
                    }
                }
                c => lines[row].push(c),
            }
        }
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }

    fn done(reference: &str, digest: &str) -> PullSummary {
        let mut s = PullSummary::new(reference.into());
        s.digest = Some(digest.into());
        s.outcome = PullOutcome::Downloaded;
        s
    }

    #[test]
    fn lines_for_every_outcome() {
        let mut s = done(M1, "sha256:9e2a");
        assert_eq!(
            image_line(&s, PullPolicy::Always),
            format!("{M1}: Digest: sha256:9e2a Status: Downloaded newer image")
        );
        s.outcome = PullOutcome::UpToDate;
        assert_eq!(
            image_line(&s, PullPolicy::Always),
            format!("{M1}: Digest: sha256:9e2a Status: Image is up to date")
        );
        s.outcome = PullOutcome::Skipped;
        assert_eq!(
            image_line(&s, PullPolicy::Newer),
            format!("{M1}: Digest: sha256:9e2a Status: Image is up to date")
        );
        assert_eq!(
            image_line(&s, PullPolicy::Never),
            format!("{M1}: Digest: sha256:9e2a Status: Image is present locally, not pulled (--policy never)")
        );
        let unknown = PullSummary::new(M2.into());
        assert_eq!(
            image_line(&unknown, PullPolicy::Always),
            format!("{M2}: Status: Pull complete")
        );
        let gave_up = Error::Retried {
            attempts: 3,
            last: Box::new(Error::Api {
                status: 500,
                message: "received unexpected HTTP status: 503 Service Unavailable".into(),
            }),
        };
        assert_eq!(
            failure_line(M1, &gave_up),
            format!(
                "{M1}: gave up after 3 attempts: Error response from daemon: received unexpected HTTP status: 503 Service Unavailable"
            )
        );
    }

    #[test]
    fn total_line_units_rate_and_time() {
        let mut t = totals(8);
        assert_eq!(total_line(&t), "Total: 0/8 images, 0/0 layers, 0B/0B (0B/s)");
        (t.layers, t.layers_done, t.bytes_done, t.bytes_total) = (9, 2, 1_234_567, 32_955_219);
        t.elapsed = Duration::from_secs(3);
        assert_eq!(
            total_line(&t),
            "Total: 0/8 images, 2/9 layers, 1.235MB/32.96MB (411.5kB/s, 1m17s left)"
        );
        (t.images_done, t.images_failed, t.layers_done, t.bytes_done) = (6, 2, 9, 32_955_219);
        t.elapsed = Duration::from_secs(75);
        assert_eq!(
            total_line(&t),
            "Total: 6/8 images (2 failed), 9/9 layers, 32.96MB/32.96MB in 1m15s (439.4kB/s)"
        );
        // Podman says no sizes.
        let mut p = totals(1);
        (p.images_done, p.layers, p.layers_done, p.elapsed) = (1, 2, 2, Duration::from_millis(50));
        assert_eq!(total_line(&p), "Total: 1/1 images, 2/2 layers, 0B/0B in 0.1s (0B/s)");
    }

    /// Two images: one pulls its two layers, the other waits, then both end.
    fn run(view: &mut ManyPullView) -> String {
        let mut out = view.redraw();
        let mut t = totals(view.blocks.len());
        view.apply(0, M1, &PullUpdate::Started, &t);
        out += &view.redraw();
        for line in [
            r#"{"status":"Pulling from many-cli/m1","id":"1.0"}"#,
            r#"{"status":"Pulling fs layer","progressDetail":{},"id":"41580d73fbf7"}"#,
            r#"{"status":"Pulling fs layer","progressDetail":{},"id":"248a505fc7a8"}"#,
            r#"{"status":"Downloading","progressDetail":{"current":100000,"total":256346},"id":"41580d73fbf7"}"#,
            r#"{"status":"Download complete","progressDetail":{},"id":"248a505fc7a8"}"#,
        ] {
            (t.layers, t.bytes_done, t.bytes_total) = (2, 164_264, 320_610);
            t.elapsed = Duration::from_secs(1);
            view.apply(0, M1, &PullUpdate::Event(&event(line)), &t);
            out += &view.redraw();
        }
        out
    }

    #[test]
    fn the_live_frame_has_a_block_per_image_and_the_total_last() {
        let mut view = ManyPullView::new(&[M1, M2], PullPolicy::Always, Some(80), Some(24));
        let out = run(&mut view);
        let frame = [
            format!("{M1}: Pulling from many-cli/m1"),
            "  41580d73fbf7: Downloading    100kB/256.3kB".to_string(),
            "  248a505fc7a8: Download complete".to_string(),
            format!("{M2}: Waiting"),
            "Total: 0/2 images, 0/2 layers, 164.3kB/320.6kB (164.3kB/s, 0s left)".to_string(),
        ];
        assert_eq!(view.frame(), frame);
        // Redrawn in place: the screen holds the last frame only.
        assert_eq!(screen(&out), frame);

        // Ended: each block is its one line; the last frame is whole.
        let mut t = totals(2);
        (t.images_done, t.images_failed, t.layers, t.layers_done) = (1, 1, 2, 2);
        (t.bytes_done, t.bytes_total, t.elapsed) = (320_610, 320_610, Duration::from_millis(500));
        view.apply(0, M1, &PullUpdate::Finished(&Ok(done(M1, "sha256:9e2a"))), &t);
        let missing = Err(Error::NotFound(format!(
            "manifest for {M2} not found: manifest unknown"
        )));
        view.apply(1, M2, &PullUpdate::Finished(&missing), &t);
        let end = out + &view.finish();
        assert_eq!(
            screen(&end),
            [
                format!("{M1}: Digest: sha256:9e2a Status: Downloaded newer image"),
                format!("{M2}: Error response from daemon: manifest for {M2} not found: manifest unknown"),
                "Total: 1/2 images (1 failed), 2/2 layers, 320.6kB/320.6kB in 0.5s (641.2kB/s)".to_string(),
            ]
        );
    }

    #[test]
    fn bars_on_wide_terminals_and_lines_cut_to_the_width() {
        let mut view = ManyPullView::new(&[M1, M2], PullPolicy::Always, Some(120), None);
        run(&mut view);
        assert_eq!(
            view.frame()[1],
            "  41580d73fbf7: Downloading [===================>                               ]    100kB/256.3kB"
        );
        view.set_size(Some(30), None);
        let frame = view.frame();
        assert_eq!(frame[0], "127.0.0.1:25500/many-cli/m1:…");
        assert!(frame.iter().all(|l| format::display_width(l) <= 29), "{frame:?}");
    }

    #[test]
    fn a_retry_starts_the_block_afresh() {
        let mut view = ManyPullView::new(&[M1, M2], PullPolicy::Always, Some(200), None);
        run(&mut view);
        let retry = PullEvent::from_json(br#"{"status":"x"}"#).unwrap();
        // A Retry event is dimg's own; build one as the stream makes it.
        let mut retry = retry;
        retry.status = "Attempt 2 of 3 in 0.5s after: received unexpected HTTP status: 503 Service Unavailable".into();
        retry.phase = PullPhase::Retry;
        view.apply(0, M1, &PullUpdate::Event(&retry), &totals(2));
        assert_eq!(
            view.frame()[..2],
            [
                format!("{M1}: Attempt 2 of 3 in 0.5s after: received unexpected HTTP status: 503 Service Unavailable"),
                format!("{M2}: Waiting"),
            ]
        );
    }

    #[test]
    fn a_short_terminal_keeps_the_frame_within_its_rows() {
        // 5 rows: 4 lines of frame. Layers go first, then blocks (running first).
        let names: Vec<String> = (1..=6).map(|i| format!("127.0.0.1:25500/many-cli/m{i}:1.0")).collect();
        let mut view = ManyPullView::new(&names, PullPolicy::Always, Some(80), Some(5));
        let out = run(&mut view);
        let frame = view.frame();
        assert_eq!(
            frame,
            [
                format!("{M1}: Pulling from many-cli/m1"),
                format!("{M2}: Waiting"),
                "… 4 more images".to_string(),
                "Total: 0/6 images, 0/2 layers, 164.3kB/320.6kB (164.3kB/s, 0s left)".to_string(),
            ]
        );
        assert_eq!(screen(&out), frame);
        // Roomy enough for the headers but not the layers.
        view.set_size(Some(80), Some(8));
        assert_eq!(view.frame().len(), 7);
        assert!(view.frame().iter().all(|l| !l.starts_with("  ")));
    }

    #[test]
    fn a_shorter_frame_erases_what_is_left_below_it() {
        let mut view = ManyPullView::new(&[M1, M2], PullPolicy::Always, Some(80), None);
        let mut out = run(&mut view);
        let mut t = totals(2);
        t.images_done = 1;
        view.apply(0, M1, &PullUpdate::Finished(&Ok(done(M1, "sha256:9e2a"))), &t);
        let shrink = view.redraw();
        assert!(shrink.starts_with("\x1b[5A\r"), "{shrink:?}");
        assert!(shrink.ends_with("\x1b[2K\n\x1b[2K\n\x1b[2A"), "{shrink:?}");
        out += &shrink;
        assert_eq!(screen(&out).len(), 3);
    }
}
