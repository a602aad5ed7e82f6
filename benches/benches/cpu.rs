//! The other pure-CPU parts: reference parsing and `docker images` table rendering.
//!
//! `cargo bench -p dimg-benches --bench cpu` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dimg_benches::inputs;
use dimg_render::format::{self, TableWriter};

fn references(c: &mut Criterion) {
    let corpus = inputs::reference_corpus();
    let mut group = c.benchmark_group("reference");
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            for r in &corpus {
                black_box(dimg::ImageRef::parse(black_box(r)).unwrap());
            }
        })
    });
    group.bench_function("parse+familiar_string", |b| {
        b.iter(|| {
            for r in &corpus {
                black_box(dimg::ImageRef::parse(black_box(r)).unwrap().familiar_string());
            }
        })
    });
    group.finish();
}

/// `docker images`: one row per tag (or one `<none>` row), REPOSITORY TAG IMAGE ID CREATED SIZE.
fn images_table(images: &[dimg::ImageSummary], now: std::time::SystemTime) -> String {
    let mut t = TableWriter::new();
    t.row(&["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]);
    for image in images {
        let id = format::short_id(&image.id);
        let created = format::created_since_at(image.created, now);
        let size = format::image_size(image.size);
        if image.repo_tags.is_empty() {
            t.row(&["<none>", "<none>", id, &created, &size]);
        }
        for tag in &image.repo_tags {
            let parsed = dimg::ImageRef::parse(tag).ok();
            let repo = parsed.as_ref().map(|r| r.familiar_name()).unwrap_or_default();
            let tag = parsed.as_ref().and_then(|r| r.tag()).unwrap_or("<none>");
            t.row(&[repo.as_str(), tag, id, &created, &size]);
        }
    }
    t.finish()
}

fn tables(c: &mut Criterion) {
    let images: Vec<dimg::ImageSummary> = serde_json::from_slice(&inputs::image_list_json(10_000)).unwrap();
    let rows: usize = images.iter().map(|i| i.repo_tags.len().max(1)).sum();
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let mut group = c.benchmark_group("format");
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("images_table_10k_images", |b| {
        b.iter(|| images_table(black_box(&images), now))
    });
    group.finish();
}

criterion_group!(benches, references, tables);
criterion_main!(benches);
