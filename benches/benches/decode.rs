//! Decoding the daemon's answers: dimg's models against bollard's, on the same bytes, each
//! the way its library decodes a body (dimg: one UTF-8 check of the body, then
//! `serde_json::from_str`, as `core/src/transport.rs` `decode`; bollard: `serde_json::from_slice`).
//!
//! `cargo bench -p dimg-benches --bench decode` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dimg_benches::inputs;

fn image_list(c: &mut Criterion) {
    let body = inputs::image_list_json(10_000);
    let mut group = c.benchmark_group("decode/image_list_10k");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("dimg", |b| {
        b.iter(|| {
            let text = std::str::from_utf8(black_box(&body)).unwrap();
            let images: Vec<dimg::ImageSummary> = serde_json::from_str(text).unwrap();
            images
        })
    });
    group.bench_function("bollard", |b| {
        b.iter(|| {
            let images: Vec<bollard::models::ImageSummary> = serde_json::from_slice(black_box(&body)).unwrap();
            images
        })
    });
    group.finish();
}

fn pull_stream(c: &mut Criterion) {
    // 20 layers x 2 x 500 progress messages: about 20 000 lines, 5 MB.
    let (body, _) = inputs::pull_stream(20, 500);
    let mut group = c.benchmark_group("decode/pull_stream_20k_lines");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("dimg", |b| {
        b.iter(|| {
            let mut done = 0u64;
            for line in inputs::json_lines(black_box(&body)) {
                let event = dimg::PullEvent::from_json(line).unwrap();
                done += event.current.unwrap_or(0);
            }
            done
        })
    });
    group.bench_function("bollard", |b| {
        b.iter(|| {
            let mut done = 0u64;
            for line in inputs::json_lines(black_box(&body)) {
                let event: bollard::models::CreateImageInfo = serde_json::from_slice(line).unwrap();
                done += event.progress_detail.and_then(|p| p.current).unwrap_or(0).max(0) as u64;
            }
            done
        })
    });
    group.finish();
}

fn inspect(c: &mut Criterion) {
    let body = inputs::image_inspect_json();
    let mut group = c.benchmark_group("decode/image_inspect");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("dimg", |b| {
        b.iter(|| serde_json::from_str::<dimg::ImageInspect>(std::str::from_utf8(black_box(&body)).unwrap()).unwrap())
    });
    group.bench_function("bollard", |b| {
        b.iter(|| serde_json::from_slice::<bollard::models::ImageInspect>(black_box(&body)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, image_list, pull_stream, inspect);
criterion_main!(benches);
