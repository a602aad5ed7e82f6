//! `dimg`: `docker images`, `search`, `pull`, `rmi` and the image part of `info`, through the
//! Engine API socket with the `dimg` crate, printing what the docker CLI 28.2 prints.
//!
//! ```text
//! dimg [-H unix:///path/docker.sock] COMMAND
//!   images [REPOSITORY[:TAG]] [-a] [-q] [--digests] [--no-trunc] [-f KEY=VALUE]... [--format F]
//!   search TERM [--limit N] [-f KEY=VALUE]... [--no-trunc] [--format F] [-s N] [--automated]
//!   pull [-a] [-q] [--platform P] NAME[:TAG|@DIGEST]
//!   rmi [-f] [--no-prune] IMAGE...
//!   info
//! ```

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::SystemTime;

use dimg::blocking::Client;
use dimg::{ClientBuilder, ImageFilter, ListOptions, PullOptions, RemoveOptions, SearchFilter, SearchOptions};
use dimg_examples::{Flag, Kind, Parsed, options_help, parse, stdout_terminal_width};
use dimg_render::{self as render, ImagesView, PullMode, PullPrinter, SearchView};

/// A command: its name, usage line, description and flags.
struct Command {
    name: &'static str,
    usage: &'static str,
    about: &'static str,
    aliases: &'static str,
    flags: &'static [Flag],
}

const FORMAT_HELP_IMAGES: &str = "Format output using a custom template:\n\
    'table':            Print output in table format with column headers (default)\n\
    'table TEMPLATE':   Print output in table format using the given Go template\n\
    'json':             Print in JSON format\n\
    'TEMPLATE':         Print output using the given Go template";

const IMAGES: Command = Command {
    name: "images",
    usage: "dimg images [OPTIONS] [REPOSITORY[:TAG]]",
    about: "List images",
    aliases: "dimg image ls, dimg image list, dimg images",
    flags: &[
        Flag::new(
            "all",
            Some('a'),
            Kind::Bool,
            "Show all images (default hides intermediate images)",
        ),
        Flag::new("digests", None, Kind::Bool, "Show digests"),
        Flag::new(
            "filter",
            Some('f'),
            Kind::Filter,
            "Filter output based on conditions provided",
        ),
        Flag::new("format", None, Kind::Str, FORMAT_HELP_IMAGES),
        Flag::new("no-trunc", None, Kind::Bool, "Don't truncate output"),
        Flag::new("quiet", Some('q'), Kind::Bool, "Only show image IDs"),
    ],
};

const SEARCH: Command = Command {
    name: "search",
    usage: "dimg search [OPTIONS] TERM",
    about: "Search Docker Hub (or the index named in TERM) for images",
    aliases: "",
    flags: &[
        Flag::new(
            "automated",
            None,
            Kind::Bool,
            "Only show automated builds (= --filter is-automated=true)",
        ),
        Flag::new(
            "filter",
            Some('f'),
            Kind::Filter,
            "Filter output based on conditions provided",
        ),
        Flag::new("format", None, Kind::Str, "Pretty-print search using a Go template"),
        Flag::new("limit", None, Kind::Int, "Max number of search results"),
        Flag::new("no-trunc", None, Kind::Bool, "Don't truncate output"),
        Flag::new(
            "stars",
            Some('s'),
            Kind::Uint,
            "Only displays with at least x stars (= --filter stars=x)",
        ),
    ],
};

const PULL: Command = Command {
    name: "pull",
    usage: "dimg pull [OPTIONS] NAME[:TAG|@DIGEST]",
    about: "Download an image from a registry",
    aliases: "dimg image pull, dimg pull",
    flags: &[
        Flag::new(
            "all-tags",
            Some('a'),
            Kind::Bool,
            "Download all tagged images in the repository",
        ),
        Flag::new(
            "disable-content-trust",
            None,
            Kind::Bool,
            "Skip image verification (default true)",
        ),
        Flag::new(
            "platform",
            None,
            Kind::Str,
            "Set platform if server is multi-platform capable",
        ),
        Flag::new("quiet", Some('q'), Kind::Bool, "Suppress verbose output"),
    ],
};

const RMI: Command = Command {
    name: "rmi",
    usage: "dimg rmi [OPTIONS] IMAGE [IMAGE...]",
    about: "Remove one or more images",
    aliases: "dimg image rm, dimg image remove, dimg rmi",
    flags: &[
        Flag::new("force", Some('f'), Kind::Bool, "Force removal of the image"),
        Flag::new("no-prune", None, Kind::Bool, "Do not delete untagged parents"),
    ],
};

const INFO: Command = Command {
    name: "info",
    usage: "dimg info",
    about: "Show the daemon's storage driver, root directory, registry mirrors and insecure registries",
    aliases: "dimg system info, dimg info",
    flags: &[],
};

const MIRROR: Command = Command {
    name: "mirror",
    usage: "dimg mirror add|remove URL | dimg mirror list   [--config PATH]",
    about: "Add, remove or list registry mirrors in the daemon's daemon.json (restart the daemon afterwards)",
    aliases: "dimg mirror",
    flags: &[Flag::new(
        "config",
        None,
        Kind::Str,
        "The daemon configuration file (default /etc/docker/daemon.json)",
    )],
};

const MAIN_HELP: &str = "\
Usage:  dimg [OPTIONS] COMMAND

Manage Docker images through the Engine API socket, printing what the docker CLI prints

Commands:
  images      List images
  search      Search Docker Hub (or the index named in TERM) for images
  pull        Download an image from a registry
  rmi         Remove one or more images
  info        Show the daemon's storage and registry configuration
  mirror      Add, remove or list registry mirrors in daemon.json

Options:
  -H, --host string   Daemon socket to connect to (default $DOCKER_HOST, else unix:///var/run/docker.sock)
  -h, --help          Print usage
  -v, --version       Print version information and quit

Run 'dimg COMMAND --help' for more information on a command.
";

/// What a command ends with: its exit status.
type Status = u8;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(run(args))
}

fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`dimg images | head`) is not an error worth reporting.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn run(mut args: Vec<String>) -> Status {
    // Global options, before the command.
    let mut host: Option<String> = None;
    args.reverse();
    while let Some(arg) = args.last().cloned() {
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        args.pop();
        match arg.as_str() {
            "-h" | "--help" => {
                out(MAIN_HELP);
                return 0;
            }
            "-v" | "--version" => {
                out(&format!("dimg version {}\n", env!("CARGO_PKG_VERSION")));
                return 0;
            }
            "-H" | "--host" => match args.pop() {
                Some(h) => host = Some(h),
                None => {
                    err(&format!("flag needs an argument: {}\n\n{MAIN_HELP}", flag_label(&arg)));
                    return 125;
                }
            },
            _ if arg.starts_with("--host=") => host = Some(arg["--host=".len()..].to_string()),
            _ if arg.starts_with("-H") => host = Some(arg[2..].trim_start_matches('=').to_string()),
            _ => {
                err(&format!("unknown flag: {arg}\nSee 'dimg --help'.\n"));
                return 125;
            }
        }
    }
    args.reverse();
    let Some(first) = args.first().cloned() else {
        out(MAIN_HELP);
        return 0;
    };
    let mut rest: Vec<String> = args[1..].to_vec();
    let command = match first.as_str() {
        "images" => &IMAGES,
        "search" => &SEARCH,
        "pull" => &PULL,
        "rmi" => &RMI,
        "info" => &INFO,
        "mirror" => &MIRROR,
        "image" | "system" if !rest.is_empty() => {
            let sub = rest.remove(0);
            match (first.as_str(), sub.as_str()) {
                ("image", "ls" | "list") => &IMAGES,
                ("image", "pull") => &PULL,
                ("image", "rm" | "remove") => &RMI,
                ("system", "info") => &INFO,
                _ => {
                    err(&format!(
                        "dimg: '{first} {sub}' is not a dimg command.\nSee 'dimg --help'\n"
                    ));
                    return 1;
                }
            }
        }
        "help" => {
            let topic = rest.first().map(String::as_str).unwrap_or("");
            match [&IMAGES, &SEARCH, &PULL, &RMI, &INFO, &MIRROR]
                .into_iter()
                .find(|c| c.name == topic)
            {
                Some(c) => out(&command_help(c)),
                None => out(MAIN_HELP),
            }
            return 0;
        }
        other => {
            err(&format!("dimg: '{other}' is not a dimg command.\nSee 'dimg --help'\n"));
            return 1;
        }
    };
    let parsed = match parse(command.flags, rest) {
        Ok(p) => p,
        Err(e) => {
            err(&format!("{e}\n\n{}", usage_hint(command, "Run")));
            return 125;
        }
    };
    if parsed.help {
        out(&command_help(command));
        return 0;
    }
    if command.name == "mirror" {
        // Edits a file; no daemon involved.
        return mirror(command, &parsed);
    }
    let client = {
        let mut builder = ClientBuilder::from_env();
        if let Some(h) = &host {
            builder = builder.host(h);
        }
        // A command-line program is synchronous: its calls run on the main thread, no runtime.
        match builder.build_blocking() {
            Ok(c) => c,
            Err(e) => {
                err(&format!("{}\n", dimg_render::cli_message(&e)));
                return 1;
            }
        }
    };
    match command.name {
        "images" => images(&client, command, &parsed),
        "search" => search(&client, command, &parsed),
        "pull" => pull(&client, command, &parsed),
        "rmi" => rmi(&client, command, &parsed),
        _ => info(&client, command, &parsed),
    }
}

fn flag_label(arg: &str) -> String {
    if arg.starts_with("--") {
        arg.to_string()
    } else {
        format!("'{}' in {arg}", arg.trim_start_matches('-'))
    }
}

/// The lines docker adds after a usage error.
fn usage_hint(command: &Command, verb: &str) -> String {
    format!(
        "Usage:  {}\n\n{verb} 'dimg {} --help' for more information\n",
        command.usage, command.name
    )
}

/// A wrong number of arguments: docker's wording (cli/required.go), exit status 1. Its
/// validators end differently: "See …" for a minimum, "Run …" for an exact count, and "SRun …"
/// (sic) for a maximum.
fn arg_count_error(command: &Command, requirement: &str) -> Status {
    let verb = if requirement.starts_with("at least") {
        "See"
    } else if requirement.starts_with("at most") {
        "SRun"
    } else {
        "Run"
    };
    err(&format!(
        "dimg: 'dimg {}' requires {requirement}\n\n{}",
        command.name,
        usage_hint(command, verb)
    ));
    1
}

fn command_help(command: &Command) -> String {
    let mut text = format!("Usage:  {}\n\n{}\n\n", command.usage, command.about);
    if !command.aliases.is_empty() {
        text.push_str(&format!("Aliases:\n  {}\n\n", command.aliases));
    }
    if !command.flags.is_empty() {
        text.push_str(&options_help(command.flags));
    }
    text
}

/// Splits a `-f` value as the docker CLI does (`FilterOpt.Set`): key lowercased and trimmed,
/// value trimmed.
fn split_filter(text: &str) -> (String, String) {
    let (k, v) = text.split_once('=').unwrap_or((text, ""));
    (k.trim().to_ascii_lowercase(), v.trim().to_string())
}

fn images(client: &Client, command: &Command, p: &Parsed) -> Status {
    if p.args.len() > 1 {
        return arg_count_error(command, "at most 1 argument");
    }
    let mut options = ListOptions::new().all(p.bool("all"));
    if let Some(reference) = p.args.first() {
        options = options.reference(reference.as_str());
    }
    // Every filter goes to the daemon as given, so that it answers (and refuses) exactly as it
    // does for docker.
    for text in p.values("filter") {
        let (key, value) = split_filter(text);
        options = options.filter(ImageFilter::Other { key, value });
    }
    let list = match client.images().list(&options) {
        Ok(list) => list,
        Err(e) => {
            err(&format!("{}\n", dimg_render::cli_message(&e)));
            return 1;
        }
    };
    let mut view = ImagesView::new()
        .quiet(p.bool("quiet"))
        .digests(p.bool("digests"))
        .no_trunc(p.bool("no-trunc"));
    if let Some(f) = p.last("format") {
        view = view.format(f);
    }
    match render::images(&list, &view, SystemTime::now()) {
        Ok(text) => {
            out(&text);
            0
        }
        Err(e) => {
            err(&format!("{e}\n"));
            1
        }
    }
}

/// Checks search filters as dockerd does (`SearchRegistryForImages`) and turns them into
/// options, or returns the daemon's message for them.
fn search_filters(pairs: &[(String, String)], mut options: SearchOptions) -> Result<SearchOptions, String> {
    let values = |key: &str| {
        let mut v: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if let Some((key, _)) = pairs
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "stars" | "is-automated" | "is-official"))
    {
        return Err(format!("Invalid filter '{key}'"));
    }
    for key in ["is-automated", "is-official"] {
        let v = values(key);
        if v.is_empty() {
            continue;
        }
        let flag = match v.as_slice() {
            ["true"] => true,
            ["false"] => false,
            _ => return Err(format!("Invalid filter '{key}=[{}]'", v.join(" "))),
        };
        options = options.filter(if key == "is-official" {
            SearchFilter::IsOfficial(flag)
        } else {
            SearchFilter::IsAutomated(flag)
        });
    }
    let mut min_stars: i64 = 0;
    for value in pairs.iter().filter(|(k, _)| k == "stars").map(|(_, v)| v) {
        // Go's strconv.Atoi, like Rust's parse: an optional sign and decimal digits.
        match value.parse::<i64>() {
            Ok(n) => min_stars = min_stars.max(n),
            Err(_) => return Err(format!("Invalid filter 'stars={value}'")),
        }
    }
    if min_stars > 0 {
        options = options.min_stars(u32::try_from(min_stars).unwrap_or(u32::MAX));
    }
    Ok(options)
}

fn search(client: &Client, command: &Command, p: &Parsed) -> Status {
    if p.args.len() != 1 {
        return arg_count_error(command, "1 argument");
    }
    let term = &p.args[0];
    let mut pairs: Vec<(String, String)> = p.values("filter").into_iter().map(split_filter).collect();
    if pairs.iter().any(|(k, _)| k == "is-automated") {
        err(&format!("{}\n", render::IS_AUTOMATED_WARNING));
    }
    // The flags of older docker versions the seed tutorial shows, as the filters they became.
    if let Some(stars) = p.uint("stars") {
        pairs.push(("stars".into(), stars.to_string()));
    }
    if p.bool("automated") {
        pairs.push(("is-automated".into(), "true".into()));
    }
    let mut options = match search_filters(&pairs, SearchOptions::new()) {
        Ok(o) => o,
        Err(message) => {
            err(&format!("Error response from daemon: {message}\n"));
            return 1;
        }
    };
    // Like docker: a limit of 0 or less is not sent (the daemon's default, 25, applies).
    if let Some(limit) = p.int("limit").filter(|l| *l > 0) {
        if limit > 100 {
            err(&format!(
                "Error response from daemon: Limit {limit} is outside the range of [1, 100]\n"
            ));
            return 1;
        }
        options = options.limit(limit as u32);
    }
    let results = match client.images().search(term, &options) {
        Ok(r) => r,
        Err(e) => {
            err(&format!("{}\n", dimg_render::cli_message(&e)));
            return 1;
        }
    };
    let mut view = SearchView::new().no_trunc(p.bool("no-trunc"));
    if let Some(f) = p.last("format") {
        view = view.format(f);
    }
    match render::search(&results, &view) {
        Ok(text) => {
            out(&text);
            0
        }
        Err(e) => {
            err(&format!("{e}\n"));
            1
        }
    }
}

fn pull(client: &Client, command: &Command, p: &Parsed) -> Status {
    if p.args.len() != 1 {
        return arg_count_error(command, "1 argument");
    }
    let name = &p.args[0];
    let (all_tags, quiet) = (p.bool("all-tags"), p.bool("quiet"));
    match render::pull_preamble(name, all_tags, quiet) {
        Ok(text) => out(&text),
        Err(e) => {
            err(&format!("{e}\n"));
            return 1;
        }
    }
    let mut options = PullOptions::new().all_tags(all_tags);
    if let Some(platform) = p.last("platform").filter(|p| !p.is_empty()) {
        // Refused before anything is sent, in the daemon's words, as the daemon would answer.
        if let Err(e) = dimg::check_platform(platform) {
            err(&format!("Error response from daemon: {e}\n"));
            return 1;
        }
        options = options.platform(platform);
    }
    let tty = std::io::stdout().is_terminal();
    let mode = if quiet {
        PullMode::Quiet
    } else if tty {
        PullMode::Terminal(stdout_terminal_width())
    } else {
        PullMode::Plain
    };
    let mut printer = PullPrinter::new(mode);
    let mut stream = client.images().pull(name, &options);
    while let Some(event) = stream.next_event() {
        match event {
            Ok(event) => {
                if tty && !quiet {
                    printer.set_width(stdout_terminal_width());
                }
                out(&printer.event(&event));
            }
            Err(e) => {
                err(&format!("{}\n", dimg_render::cli_message(&e)));
                return 1;
            }
        }
    }
    out(&printer.finish(stream.summary()));
    0
}

fn rmi(client: &Client, command: &Command, p: &Parsed) -> Status {
    if p.args.is_empty() {
        return arg_count_error(command, "at least 1 argument");
    }
    let options = RemoveOptions::new().force(p.bool("force")).noprune(p.bool("no-prune"));
    let report = match client.images().remove_many(&p.args, &options) {
        Ok(report) => report,
        Err(e) => {
            err(&format!("{}\n", dimg_render::cli_message(&e)));
            return 1;
        }
    };
    out(&render::remove_stdout(&report));
    err(&render::remove_errors(&report));
    u8::try_from(report.exit_code()).unwrap_or(1)
}

/// `dimg mirror add|remove URL`, `dimg mirror list`: the seed's "add a registry-mirrors entry
/// to /etc/docker/daemon.json, then restart docker", done carefully.
fn mirror(command: &Command, p: &Parsed) -> Status {
    let path = p.last("config").unwrap_or(dimg::daemon_config::DEFAULT_DAEMON_JSON);
    let report = |result: dimg::Result<dimg::daemon_config::MirrorChange>, done: &str, nothing: &str| match result {
        Ok(change) => {
            if change.changed {
                out(&format!("{done} {}\n", change.path.display()));
                out("Restart the Docker daemon to apply the change (e.g. systemctl restart docker).\n");
            } else {
                out(&format!("{nothing}\n"));
            }
            0
        }
        Err(e) => {
            err(&format!("{}\n", dimg_render::cli_message(&e)));
            1
        }
    };
    match p.args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["list"] => match dimg::daemon_config::registry_mirrors(path) {
            Ok(mirrors) => {
                out(&mirrors.iter().map(|m| format!("{m}\n")).collect::<String>());
                0
            }
            Err(e) => {
                err(&format!("{}\n", dimg_render::cli_message(&e)));
                1
            }
        },
        ["add", url] => report(
            dimg::daemon_config::add_registry_mirror(path, url),
            &format!("Added registry mirror {url} to"),
            &format!("{url} is already a registry mirror in {path}; nothing changed"),
        ),
        ["remove", url] => report(
            dimg::daemon_config::remove_registry_mirror(path, url),
            &format!("Removed registry mirror {url} from"),
            &format!("{url} is not a registry mirror in {path}; nothing changed"),
        ),
        _ => {
            err(&format!(
                "\"dimg mirror\" requires add URL, remove URL or list.\n{}",
                usage_hint(command, "See")
            ));
            1
        }
    }
}

fn info(client: &Client, command: &Command, p: &Parsed) -> Status {
    if !p.args.is_empty() {
        return arg_count_error(command, "no arguments");
    }
    match client.info() {
        Ok(info) => {
            out(&render::info(&info));
            0
        }
        Err(e) => {
            err(&format!("{}\n", dimg_render::cli_message(&e)));
            1
        }
    }
}
