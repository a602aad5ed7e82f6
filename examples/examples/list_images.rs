//! Lists the local images as `docker images` does, with the rendering of `dimg_render`.
//!
//! ```sh
//! cargo run -p dimg-examples --example list_images            # DOCKER_HOST or /var/run/docker.sock
//! cargo run -p dimg-examples --example list_images -- 'tiny*'  # only matching references
//! ```

use std::time::SystemTime;

use dimg::ListOptions;
use dimg::blocking::Client;
use dimg_render::{self as render, ImagesView};

fn main() {
    let pattern = std::env::args().nth(1);
    // A synchronous program: the call runs on this thread, no async runtime needed.
    let result = Client::from_env().and_then(|docker| {
        let mut options = ListOptions::new();
        if let Some(pattern) = &pattern {
            options = options.reference(pattern.as_str());
        }
        docker.images().list(&options)
    });
    match result {
        Ok(list) => {
            // The default table; ImagesView::new().digests(true), .quiet(true), .format("json") ...
            let table =
                render::images(&list, &ImagesView::new(), SystemTime::now()).expect("the default format is valid");
            print!("{table}");
            // The same data, typed: one row per repository and tag, as the table shows them.
            let rows = render::image_rows(&list, &ImagesView::new());
            eprintln!("{} images, {} rows", list.len(), rows.len());
        }
        Err(e) => {
            eprintln!("{}", dimg_render::cli_message(&e));
            std::process::exit(1);
        }
    }
}
