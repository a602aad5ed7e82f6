//! Many pulls at once, with one progress over all of them: [`crate::Images::pull_many`].

use std::collections::HashMap;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_core::Stream;

use crate::api::options::PullOptions;
use crate::api::pull::{PullEvent, PullPhase, PullStream, PullSummary};
use crate::client::Client;
use crate::error::{BoxError, Error, Result};

/// Where a [`crate::Images::pull_many`] is, over all its images, after each update.
///
/// Layers are told apart by the id the daemon's progress names them with (the short digest
/// of the layer's blob), so a layer that several images share counts once, whichever pull
/// fetched it. Bytes are the compressed bytes the daemon reports downloading: a layer
/// counts in `bytes_total` once the daemon said its size (Docker says it as the download
/// starts; layers present already are never downloaded and count in neither byte figure;
/// Podman says no sizes, so both stay 0 there).
///
/// # Examples
/// ```
/// let mut totals = dimg::PullTotals::default();
/// (totals.bytes_done, totals.bytes_total, totals.elapsed) = (50, 200, std::time::Duration::from_secs(1));
/// assert_eq!(totals.rate(), 50.0);
/// assert_eq!(totals.eta(), Some(std::time::Duration::from_secs(3)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PullTotals {
    /// Images asked for.
    pub images: usize,
    /// Images whose pull ended well (downloaded, up to date or skipped).
    pub images_done: usize,
    /// Images whose pull failed.
    pub images_failed: usize,
    /// Distinct layers seen so far. On Podman, whose stream reports each image's
    /// configuration blob as it reports layers, those count too (8 images of 2 layers sharing
    /// one: 9 on Docker, 17 on Podman).
    pub layers: usize,
    /// Distinct layers complete (pulled, or present already).
    pub layers_done: usize,
    /// Bytes downloaded so far, over all layers.
    pub bytes_done: u64,
    /// Bytes to download over the layers whose size is known.
    pub bytes_total: u64,
    /// Since the first pull started.
    pub elapsed: Duration,
}

impl PullTotals {
    /// Bytes per second since the start.
    pub fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.bytes_done as f64 / seconds
        } else {
            0.0
        }
    }

    /// The time left at the rate so far, for the bytes known; `None` before any byte arrived.
    pub fn eta(&self) -> Option<Duration> {
        let rate = self.rate();
        let left = self.bytes_total.saturating_sub(self.bytes_done);
        if left == 0 {
            return (self.bytes_total > 0).then_some(Duration::ZERO);
        }
        (rate > 0.0).then(|| Duration::try_from_secs_f64(left as f64 / rate).unwrap_or(Duration::MAX))
    }

    /// Whether every image's pull has ended.
    pub fn finished(&self) -> bool {
        self.images_done + self.images_failed == self.images
    }
}

/// What happened to one image of a [`crate::Images::pull_many`].
#[derive(Debug)]
#[non_exhaustive]
pub enum PullUpdate<'a> {
    /// Its pull started (at most `concurrency` run at once; the others wait their turn).
    Started,
    /// Its pull's next event.
    Event(&'a PullEvent),
    /// Its pull ended, with this result (also in the list `finish` returns).
    Finished(&'a Result<PullSummary>),
}

/// One update of a [`crate::Images::pull_many`], as its progress callback sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct PullManyProgress<'a> {
    /// The image's position in the list given.
    pub index: usize,
    /// The normalised reference (`docker.io/library/alpine:3.19`).
    pub reference: &'a str,
    /// What happened.
    pub update: PullUpdate<'a>,
    /// All images, after this update.
    pub totals: &'a PullTotals,
}

/// Pulls of several images, at most `concurrency` at once, with one progress. Created by
/// [`crate::Images::pull_many`]; nothing is sent until [`PullMany::finish`] (or
/// [`PullMany::finish_with`]) is awaited.
#[must_use = "nothing is pulled until finish or finish_with is awaited"]
pub struct PullMany {
    client: Client,
    references: Vec<String>,
    options: PullOptions,
    concurrency: usize,
    /// A bad reference or argument, found before anything was sent.
    refused: Option<Error>,
}

impl std::fmt::Debug for PullMany {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PullMany")
            .field("references", &self.references)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// What one layer has done, over every image that has it.
#[derive(Debug, Default)]
struct Layer {
    current: u64,
    total: Option<u64>,
    done: bool,
}

/// The aggregate behind [`PullTotals`].
struct Tally {
    totals: PullTotals,
    layers: HashMap<String, Layer>,
    /// Each image's layer ids (to complete them when a stream that does not say so, Podman's,
    /// ends well).
    image_layers: Vec<Vec<String>>,
    started: Instant,
}

impl Tally {
    fn new(images: usize) -> Tally {
        Tally {
            totals: PullTotals {
                images,
                ..PullTotals::default()
            },
            layers: HashMap::new(),
            image_layers: vec![Vec::new(); images],
            started: Instant::now(),
        }
    }

    fn record(&mut self, index: usize, event: &PullEvent) {
        let layer_phase = matches!(
            event.phase,
            PullPhase::PullingFsLayer
                | PullPhase::Waiting
                | PullPhase::Downloading
                | PullPhase::VerifyingChecksum
                | PullPhase::DownloadComplete
                | PullPhase::Extracting
                | PullPhase::PullComplete
                | PullPhase::AlreadyExists
                | PullPhase::Retrying
        );
        let Some(id) = event.id.as_deref().filter(|_| layer_phase) else {
            return;
        };
        let layer = self.layers.entry(id.to_string()).or_default();
        if !self.image_layers[index].iter().any(|known| known == id) {
            self.image_layers[index].push(id.to_string());
        }
        match event.phase {
            PullPhase::Downloading => {
                if let Some(total) = event.total {
                    layer.total = Some(total);
                }
                if let Some(current) = event.current {
                    layer.current = current;
                }
            }
            PullPhase::DownloadComplete | PullPhase::VerifyingChecksum | PullPhase::Extracting => {
                layer.current = layer.total.unwrap_or(layer.current);
            }
            PullPhase::PullComplete | PullPhase::AlreadyExists => {
                layer.current = layer.total.unwrap_or(layer.current);
                layer.done = true;
            }
            _ => {}
        }
    }

    /// An image's pull ended: a good end completes its layers.
    fn finish(&mut self, index: usize, ok: bool) {
        if ok {
            self.totals.images_done += 1;
            for id in &self.image_layers[index] {
                if let Some(layer) = self.layers.get_mut(id) {
                    layer.done = true;
                    layer.current = layer.total.unwrap_or(layer.current);
                }
            }
        } else {
            self.totals.images_failed += 1;
        }
    }

    /// The totals, brought up to date.
    fn totals(&mut self) -> &PullTotals {
        let totals = &mut self.totals;
        totals.layers = self.layers.len();
        totals.layers_done = self.layers.values().filter(|l| l.done).count();
        totals.bytes_done = self.layers.values().map(|l| l.current).sum();
        totals.bytes_total = self.layers.values().filter_map(|l| l.total).sum();
        totals.elapsed = self.started.elapsed();
        totals
    }
}

impl PullMany {
    /// Pulls of `references`; `refused` is what the caller found wrong before anything is sent.
    pub(crate) fn new(
        client: Client,
        references: Vec<String>,
        options: &PullOptions,
        concurrency: usize,
        refused: Option<Error>,
    ) -> PullMany {
        PullMany {
            client,
            references,
            options: options.clone(),
            concurrency,
            refused,
        }
    }

    /// Pulls every image and returns one result per image, in the order given.
    ///
    /// # Errors
    /// The outer `Err`, before anything is sent: the first invalid reference
    /// ([`Error::InvalidReference`], or what [`crate::Images::pull`] refuses for these
    /// options), or a concurrency of 0 ([`Error::InvalidArgument`]).
    pub async fn finish(self) -> Result<Vec<Result<PullSummary>>> {
        self.finish_with(|_| Ok(())).await
    }

    /// [`PullMany::finish`], calling `progress` with every update of every image (and the
    /// totals after it). An `Err` from `progress` stops every pull (closing their
    /// connections) with [`Error::Interrupted`] carrying it.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let results = docker
    ///     .images()
    ///     .pull_many(["tiny:1.0", "tiny:2.0"], &dimg::PullOptions::new(), 4)
    ///     .finish_with(|p| {
    ///         let t = p.totals;
    ///         eprintln!("{}/{} images, {}/{} bytes", t.images_done, t.images, t.bytes_done, t.bytes_total);
    ///         Ok(())
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`PullMany::finish`], or [`Error::Interrupted`].
    pub async fn finish_with(
        self,
        mut progress: impl FnMut(&PullManyProgress<'_>) -> std::result::Result<(), BoxError>,
    ) -> Result<Vec<Result<PullSummary>>> {
        if let Some(error) = self.refused {
            return Err(error);
        }
        let images = self.client.images();
        let count = self.references.len();
        let mut tally = Tally::new(count);
        let mut results: Vec<Option<Result<PullSummary>>> = (0..count).map(|_| None).collect();
        let mut running: Vec<(usize, PullStream)> = Vec::with_capacity(self.concurrency.min(count));
        let mut next = 0;
        poll_fn(|cx| {
            loop {
                while running.len() < self.concurrency && next < count {
                    let stream = images.pull(&self.references[next], &self.options);
                    let reference = stream.summary().reference.clone();
                    let update = PullManyProgress {
                        index: next,
                        reference: &reference,
                        update: PullUpdate::Started,
                        totals: tally.totals(),
                    };
                    progress(&update).map_err(Error::Interrupted)?;
                    running.push((next, stream));
                    next += 1;
                }
                if running.is_empty() {
                    return Poll::Ready(Ok::<(), Error>(()));
                }
                let mut ended = None;
                for (slot, (index, stream)) in running.iter_mut().enumerate() {
                    let item = loop {
                        match Pin::new(&mut *stream).poll_next(cx) {
                            Poll::Ready(Some(Ok(event))) => {
                                tally.record(*index, &event);
                                let update = PullManyProgress {
                                    index: *index,
                                    reference: &stream.summary().reference,
                                    update: PullUpdate::Event(&event),
                                    totals: tally.totals(),
                                };
                                progress(&update).map_err(Error::Interrupted)?;
                            }
                            Poll::Ready(Some(Err(error))) => break Some(Err(error)),
                            Poll::Ready(None) => break Some(Ok(stream.summary().clone())),
                            Poll::Pending => break None,
                        }
                    };
                    if let Some(result) = item {
                        ended = Some((slot, result));
                        break;
                    }
                }
                let Some((slot, result)) = ended else {
                    return Poll::Pending;
                };
                let (index, stream) = running.swap_remove(slot);
                tally.finish(index, result.is_ok());
                let update = PullManyProgress {
                    index,
                    reference: &stream.summary().reference,
                    update: PullUpdate::Finished(&result),
                    totals: tally.totals(),
                };
                progress(&update).map_err(Error::Interrupted)?;
                results[index] = Some(result);
            }
        })
        .await?;
        Ok(results
            .into_iter()
            .map(|result| result.expect("every pull ended before the loop did"))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, status: &str, current: Option<u64>, total: Option<u64>) -> PullEvent {
        let line = match (current, total) {
            (Some(c), Some(t)) => {
                format!(r#"{{"status":"{status}","progressDetail":{{"current":{c},"total":{t}}},"id":"{id}"}}"#)
            }
            _ => format!(r#"{{"status":"{status}","id":"{id}"}}"#),
        };
        PullEvent::from_json(line.as_bytes()).unwrap()
    }

    #[test]
    fn shared_layers_count_once_and_bytes_add_up() {
        let mut tally = Tally::new(2);
        tally.record(0, &event("1.0", "Pulling from tiny", None, None));
        tally.record(0, &event("aaa", "Pulling fs layer", None, None));
        tally.record(0, &event("bbb", "Pulling fs layer", None, None));
        tally.record(1, &event("aaa", "Waiting", None, None));
        tally.record(0, &event("aaa", "Downloading", Some(50), Some(100)));
        tally.record(0, &event("bbb", "Downloading", Some(10), Some(40)));
        let totals = tally.totals().clone();
        assert_eq!((totals.layers, totals.layers_done), (2, 0));
        assert_eq!((totals.bytes_done, totals.bytes_total), (60, 140));
        tally.record(0, &event("aaa", "Pull complete", None, None));
        tally.record(1, &event("aaa", "Already exists", None, None));
        tally.record(1, &event("ccc", "Already exists", None, None));
        let totals = tally.totals().clone();
        assert_eq!((totals.layers, totals.layers_done), (3, 2));
        assert_eq!((totals.bytes_done, totals.bytes_total), (110, 140));
        tally.finish(1, true);
        tally.finish(0, false);
        let totals = tally.totals().clone();
        assert_eq!((totals.images_done, totals.images_failed), (1, 1));
        assert!(totals.finished());
        assert_eq!(totals.layers_done, 2, "a failed image's layers are not complete");
    }

    #[test]
    fn a_stream_without_layer_results_completes_its_layers_when_it_ends_well() {
        // Podman says "Download complete" and never "Pull complete".
        let mut tally = Tally::new(1);
        tally.record(0, &event("d8a34c5205df", "Pulling fs layer", None, None));
        tally.record(0, &event("d8a34c5205df", "Download complete", None, None));
        assert_eq!(tally.totals().layers_done, 0);
        tally.finish(0, true);
        assert_eq!(tally.totals().layers_done, 1);
    }

    #[test]
    fn eta_needs_a_rate() {
        let mut totals = PullTotals {
            bytes_total: 100,
            ..PullTotals::default()
        };
        assert_eq!(totals.eta(), None);
        totals.bytes_done = 100;
        assert_eq!(totals.eta(), Some(Duration::ZERO));
    }
}
