//! Pulls an image, showing progress as `docker pull` does: bars updated in place on a
//! terminal, `ID: Status` lines otherwise; then prints the typed summary.
//!
//! ```sh
//! cargo run -p dimg-examples --example pull_with_progress -- zookeeper:3.9
//! ```

use std::io::{IsTerminal, Write};

use dimg::{Client, PullOptions};
use dimg_render::{PullMode, PullPrinter};

fn main() {
    let reference = std::env::args().nth(1).unwrap_or_else(|| "zookeeper".to_string());
    // The async API under a Tokio runtime (a synchronous program can use `dimg::blocking`
    // instead, as the list_images example does).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let mode = if std::io::stdout().is_terminal() {
        PullMode::Terminal(dimg_examples::stdout_terminal_width())
    } else {
        PullMode::Plain
    };
    let result = runtime.block_on(async {
        let docker = Client::from_env()?;
        let mut printer = PullPrinter::new(mode);
        let mut pull = docker.images().pull(&reference, &PullOptions::new());
        let mut stdout = std::io::stdout();
        while let Some(event) = pull.next_event().await {
            let _ = stdout.write_all(printer.event(&event?).as_bytes());
            let _ = stdout.flush();
        }
        print!("{}", printer.finish(pull.summary()));
        Ok::<_, dimg::Error>(pull.summary().clone())
    });
    match result {
        Ok(summary) => eprintln!(
            "{:?}: {} layers pulled, {} already present, digest {}",
            summary.outcome,
            summary.layers_pulled,
            summary.layers_existing,
            summary.digest.as_deref().unwrap_or("-")
        ),
        Err(e) => {
            eprintln!("{}", dimg_render::cli_message(&e));
            std::process::exit(1);
        }
    }
}
