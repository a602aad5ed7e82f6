//! `dimg`: `docker images`, `search`, `pull`, `rmi` and the image part of `info`, through the
//! Engine API with the `dimg` crate, printing what the docker CLI 28.2 prints.
//!
//! ```text
//! dimg [GLOBAL OPTIONS] COMMAND
//!   images [REPOSITORY[:TAG]] [-a] [-q] [--digests] [--no-trunc] [-f KEY=VALUE]... [--format F]
//!   search TERM [--limit N] [-f KEY=VALUE]... [--no-trunc] [--format F] [-s N] [--automated]
//!   pull [-a] [-q] [--platform P] [--policy always|missing|never|newer] [--retry N] NAME[:TAG|@DIGEST]
//!   pull [-q] [--concurrency N] [--platform P] [--policy ...] [--retry N] NAME NAME...
//!   rmi [-f] [--no-prune] IMAGE...
//!   info
//!   mirror add|remove URL | mirror list [--config daemon.json]
//!
//! GLOBAL OPTIONS (docker's, with its precedence: -c > -H and DOCKER_HOST > DOCKER_CONTEXT >
//! currentContext of config.json > unix:///var/run/docker.sock):
//!   -H, --host ADDRESS     unix:///path, tcp://host:port, ssh://[user@]host[:port][/socket]
//!   -c, --context NAME     a context made with `docker context create` (not with -H)
//!   --config DIR           docker's configuration directory (default $DOCKER_CONFIG, ~/.docker)
//!   --tls, --tlsverify     TLS to a tcp:// host; --tlsverify[=BOOL] also turns TLS on
//!   --tlscacert, --tlscert, --tlskey FILE   (default $DOCKER_CERT_PATH or the config dir, *.pem)
//! ```
//!
//! `pull --policy` is dimg's own (docker has no such flag; podman's `pull --policy` has the
//! same values): `missing` pulls only when the image is not present locally, `never` uses the
//! local image or fails with `Error response from daemon: No such image: NAME`, `newer` pulls
//! when the registry's digest differs from the local image's. A pull the policy skips prints
//! `Status:` lines in docker's manner and the reference, as a pull would.
//!
//! Also dimg's own: `pull --retry N` makes up to N attempts in all at a pull that fails on a
//! passing fault (`dimg::RetryPolicy`), saying each retry on stderr (`Attempt 2 of 3 in 0.5s
//! after: ...`); `pull NAME NAME...` pulls several images at once (`--concurrency`, default 4),
//! live on a terminal, else one line per image and a `Total:` line (`dimg pull --help` says
//! the lines; `dimg_render::ManyPullView` draws them).
//!
//! Everything the flags leave open comes from the environment as the docker CLI reads it
//! (`DOCKER_HOST`, `DOCKER_CONTEXT`, `DOCKER_CONFIG`, `DOCKER_TLS_VERIFY`, `DOCKER_TLS`,
//! `DOCKER_CERT_PATH`, `DOCKER_API_VERSION`); the endpoint itself is resolved by the `dimg`
//! crate ([`dimg::ConnectOptions`]), so the CLI only words the failures as docker does.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use dimg::blocking::Client;
use dimg::{
    ClientBuilder, ConnectOptions, ImageFilter, ListOptions, PullOptions, PullPhase, PullPolicy, PullUpdate,
    RemoveOptions, RetryPolicy, SearchFilter, SearchOptions,
};
use dimg_examples::{
    Flag, Kind, Parsed, flag_usages, help_width, options_help, parse, parse_global, stdout_terminal_size,
    stdout_terminal_width,
};
use dimg_render::{self as render, ImagesView, ManyPullView, PullMode, PullPrinter, SearchView};

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
    // docker's usage line (its usage errors print it, and the golden tests compare them); the
    // help's description tells of several names.
    usage: "dimg pull [OPTIONS] NAME[:TAG|@DIGEST]",
    about: PULL_ABOUT,
    aliases: "dimg image pull, dimg pull",
    flags: &[
        Flag::new(
            "all-tags",
            Some('a'),
            Kind::Bool,
            "Download all tagged images in the repository",
        ),
        // dimg's own flags (docker has none of them) are in pflag's alphabetical order too.
        Flag::new(
            "concurrency",
            None,
            Kind::Uint,
            "With several NAMEs, pull this many at once (default 4) (dimg only)",
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
        Flag::new(
            "policy",
            None,
            Kind::Str,
            "Pull \"always\" (default), only if \"missing\", \"never\", or if \"newer\" (dimg only)",
        ),
        Flag::new("quiet", Some('q'), Kind::Bool, "Suppress verbose output"),
        Flag::new(
            "retry",
            None,
            Kind::Uint,
            "Make up to this many attempts in all at a pull that fails on a passing fault (dimg only)",
        ),
    ],
};

/// `dimg pull --help`'s description: docker's, then what dimg adds.
const PULL_ABOUT: &str = "\
Download an image from a registry

dimg only: with several NAMEs, pulls them at once (--concurrency at a time) after checking
every name (one bad name: nothing is pulled). Not on a terminal, it prints one line per image
as it ends well, `REFERENCE: Digest: sha256:... Status: Downloaded newer image` (or `Image is
up to date`), then `Total: N/N images, L/L layers, DONE/SIZE in TIME (RATE/s)`; each failed
image's `REFERENCE: <error as docker words it>` and each retry's `REFERENCE: Attempt ...` go to
stderr. On a terminal: a live view, one block per image and the total line. -q prints the
references pulled. Exit status 1 if any image failed. --all-tags takes one NAME.";

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

const PRUNE: Command = Command {
    name: "image prune",
    usage: "dimg image prune [OPTIONS]",
    about: "Remove unused images",
    aliases: "",
    flags: &[
        Flag::new(
            "all",
            Some('a'),
            Kind::Bool,
            "Remove all unused images, not just dangling ones",
        ),
        Flag::new(
            "filter",
            None,
            Kind::Filter,
            "Provide filter values (e.g. \"until=<timestamp>\")",
        ),
        Flag::new("force", Some('f'), Kind::Bool, "Do not prompt for confirmation"),
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

/// docker's global options that dimg has, in pflag's (alphabetical) order, with its help texts.
/// (docker's `-D/--debug` and `-l/--log-level` are not among them.)
const GLOBAL_FLAGS: &[Flag] = &[
    Flag::new("config", None, Kind::Str, "Location of client config files"),
    Flag::new(
        "context",
        Some('c'),
        Kind::Str,
        "Name of the context to use to connect to the daemon (overrides DOCKER_HOST env var and default context set with \"docker context use\")",
    ),
    Flag::new("host", Some('H'), Kind::List, "Daemon socket to connect to"),
    Flag::new("tls", None, Kind::Bool, "Use TLS; implied by --tlsverify"),
    Flag::new("tlscacert", None, Kind::Str, "Trust certs signed only by this CA"),
    Flag::new("tlscert", None, Kind::Str, "Path to TLS certificate file"),
    Flag::new("tlskey", None, Kind::Str, "Path to TLS key file"),
    Flag::new("tlsverify", None, Kind::Bool, "Use TLS and verify the remote"),
    Flag::new("version", Some('v'), Kind::Bool, "Print version information and quit"),
];

/// The TLS file flags and their default file names, in the order docker reads them.
const TLS_FILES: [(&str, &str); 3] = [("tlscacert", "ca.pem"), ("tlscert", "cert.pem"), ("tlskey", "key.pem")];

const MAIN_HELP_HEAD: &str = "\
Usage:  dimg [OPTIONS] COMMAND

Manage Docker images through the Engine API, printing what the docker CLI prints

Commands:
  images      List images
  search      Search Docker Hub (or the index named in TERM) for images
  pull        Download an image from a registry
  rmi         Remove one or more images
  image prune Remove unused images
  info        Show the daemon's storage and registry configuration
  mirror      Add, remove or list registry mirrors in daemon.json

Global Options:
";

const MAIN_HELP_TAIL: &str = "\nRun 'dimg COMMAND --help' for more information on a command.\n";

/// What docker prints after a usage error of its global flags.
const GLOBAL_USAGE_HINT: &str = "\nUsage:  dimg [OPTIONS] COMMAND [ARG...]\n\nRun 'dimg --help' for more information\n";

/// The value of an environment variable; empty counts as unset, as for the docker CLI.
fn env_var(name: &str) -> Option<String> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(|v| v.to_string_lossy().into_owned())
}

/// The global flags as given, with the defaults docker derives from the environment for its
/// help and for the TLS files it reads.
struct Globals {
    flags: Parsed,
    /// `--config`'s default: `DOCKER_CONFIG`, else `~/.docker`.
    default_config_dir: PathBuf,
    /// Where the default TLS files are: `DOCKER_CERT_PATH`, else `default_config_dir` (docker
    /// computes it before it reads `--config`).
    cert_dir: PathBuf,
}

impl Globals {
    fn new(flags: Parsed) -> Globals {
        let default_config_dir = env_var("DOCKER_CONFIG").map_or_else(
            || PathBuf::from(env_var("HOME").unwrap_or_default()).join(".docker"),
            PathBuf::from,
        );
        let cert_dir = env_var("DOCKER_CERT_PATH").map_or_else(|| default_config_dir.clone(), PathBuf::from);
        Globals {
            flags,
            default_config_dir,
            cert_dir,
        }
    }

    /// A flag's value; an empty one counts as not given, as docker treats `-c ''` and
    /// `--config ''`.
    fn text(&self, long: &str) -> Option<&str> {
        self.flags.last(long).filter(|v| !v.is_empty())
    }

    fn bool_flag(&self, long: &str) -> Option<bool> {
        self.flags.last(long).map(|v| v == "true")
    }

    /// A TLS file as docker settles it: the flag's value, else the default in `cert_dir`;
    /// a default client certificate or key that does not exist counts as none when TLS is
    /// on (docker's `SetDefaultOptions`); an empty value is none.
    fn tls_file(&self, long: &str, file: &str) -> Option<PathBuf> {
        let path = match self.flags.last(long) {
            Some(given) => PathBuf::from(given),
            None => {
                let default = self.cert_dir.join(file);
                if long != "tlscacert" && self.connect_options().default_context_uses_tls() && !default.exists() {
                    return None;
                }
                default
            }
        };
        Some(path).filter(|p| !p.as_os_str().is_empty())
    }

    /// The flags for the `dimg` crate, which applies the environment and the context store.
    fn connect_options(&self) -> ConnectOptions {
        let mut options = ConnectOptions::default();
        options.host = self.flags.last("host").map(str::to_string);
        options.context = self.text("context").map(str::to_string);
        options.config_dir = self.text("config").map(PathBuf::from);
        options.tls = self.bool_flag("tls");
        options.tls_verify = self.bool_flag("tlsverify");
        options.tls_ca_cert = self.flags.last("tlscacert").map(PathBuf::from);
        options.tls_cert = self.flags.last("tlscert").map(PathBuf::from);
        options.tls_key = self.flags.last("tlskey").map(PathBuf::from);
        options
    }

    /// docker's main help, its `Global Options:` showing the defaults as docker shows them.
    fn help(&self) -> String {
        let env_true = |name: &str| env_var(name).map(|_| "true".to_string());
        let rows: Vec<(Flag, Option<String>)> = GLOBAL_FLAGS
            .iter()
            .map(|flag| {
                let default = match flag.long {
                    "config" => Some(self.default_config_dir.display().to_string()),
                    // pflag shows a list's default once it has a value (here: none).
                    "host" => self.flags.last("host").map(|_| String::new()),
                    "tls" => env_true("DOCKER_TLS"),
                    "tlsverify" => env_true("DOCKER_TLS_VERIFY"),
                    // The value docker settled on (empty when so given), shown as its default.
                    long => TLS_FILES
                        .iter()
                        .find(|(flag, _)| *flag == long)
                        .and_then(|(flag, file)| {
                            self.tls_file(flag, file)
                                .map(|_| self.cert_dir.join(file).display().to_string())
                        }),
                };
                (*flag, default)
            })
            .collect();
        format!("{MAIN_HELP_HEAD}{}{MAIN_HELP_TAIL}", flag_usages(&rows, help_width()))
    }
}

/// docker's wording for a client that could not be set up: `Failed to initialize: ...`.
/// Nothing was sent, so a TLS problem (a file that cannot be used) is its reason alone.
fn init_message(error: &dimg::Error) -> String {
    match error {
        dimg::Error::Tls { reason, .. } => format!("Failed to initialize: {reason}"),
        other => format!("Failed to initialize: {}", dimg_render::cli_message(other)),
    }
}

/// The client for the daemon the global flags and the environment select, or what docker
/// prints when there is none (exit status 1).
fn connect(globals: &Globals) -> Result<Client, String> {
    let hosts = globals.flags.values("host");
    if hosts.len() > 1 {
        return Err("Failed to initialize: unable to resolve docker endpoint: Specify only one -H".to_string());
    }
    // The dimg crate reads the TLS files as docker does (all of them, now, naming the first
    // it cannot read).
    let endpoint = globals.connect_options().resolve().map_err(|e| init_message(&e))?;
    // A command-line program is synchronous: its calls run on the main thread, no runtime.
    ClientBuilder::from_env()
        .endpoint(endpoint)
        .build_blocking()
        .map_err(|e| init_message(&e))
}

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

fn run(args: Vec<String>) -> Status {
    // Global options, before the command.
    let flags = match parse_global(GLOBAL_FLAGS, args) {
        Ok(flags) => flags,
        Err(e) => {
            // docker has read its configuration file by then (from --config only if it
            // came before the error; here always from its default place).
            let globals = Globals::new(Parsed::default());
            if let Some(warning) = globals.connect_options().config_file_warning() {
                err(&format!("{warning}\n"));
            }
            err(&format!("{e}\n{GLOBAL_USAGE_HINT}"));
            return 125;
        }
    };
    let globals = Globals::new(flags);
    // Checked before docker reads its configuration: no warning comes with this one.
    if globals.flags.last("host").is_some() && globals.text("context").is_some() {
        err("conflicting options: cannot specify both --host and --context\n");
        return 1;
    }
    if let Some(warning) = globals.connect_options().config_file_warning() {
        err(&format!("{warning}\n"));
    }
    if globals.flags.help {
        out(&globals.help());
        return 0;
    }
    if globals.flags.bool("version") {
        out(&format!("dimg version {}\n", env!("CARGO_PKG_VERSION")));
        return 0;
    }
    let args = &globals.flags.args;
    let Some(first) = args.first().cloned() else {
        // As docker: the help, on standard error.
        err(&globals.help());
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
                ("image", "prune") => &PRUNE,
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
                None => out(&globals.help()),
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
    let client = match connect(&globals) {
        Ok(client) => client,
        Err(message) => {
            err(&format!("{message}\n"));
            return 1;
        }
    };
    match command.name {
        "images" => images(&client, command, &parsed),
        "search" => search(&client, command, &parsed),
        "pull" => pull(&client, command, &parsed),
        "rmi" => rmi(&client, command, &parsed),
        "image prune" => prune(&client, command, &parsed),
        _ => info(&client, command, &parsed),
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
    if p.args.is_empty() {
        return arg_count_error(command, "1 argument");
    }
    let (all_tags, quiet) = (p.bool("all-tags"), p.bool("quiet"));
    // An empty value is no value, as for --platform.
    let policy_flag = p.last("policy").filter(|v| !v.is_empty());
    let policy = match policy_flag.map(str::parse::<PullPolicy>).transpose() {
        Ok(policy) => policy.unwrap_or_default(),
        Err(_) => {
            // Worded as pflag words a value its flag refuses (a usage error, like docker's).
            let value = policy_flag.unwrap_or_default();
            err(&format!(
                "invalid argument {value:?} for \"--policy\" flag: expected always, missing, never or newer\n\n{}",
                usage_hint(command, "Run")
            ));
            return 125;
        }
    };
    let concurrency = p.uint("concurrency").unwrap_or(4);
    if concurrency == 0 {
        err(&format!(
            "invalid argument \"0\" for \"--concurrency\" flag: must be at least 1\n\n{}",
            usage_hint(command, "Run")
        ));
        return 125;
    }
    // N attempts in all, as RetryPolicy counts them (each retry is shown as it is made).
    let client = match p.uint("retry") {
        Some(attempts) => client.with_retry(Some(RetryPolicy::new(u32::try_from(attempts).unwrap_or(u32::MAX)))),
        None => client.clone(),
    };
    let mut options = PullOptions::new().all_tags(all_tags).policy(policy);
    if p.args.len() > 1 {
        if all_tags {
            err("--all-tags/-a can't be used with several names\n");
            return 1;
        }
        // Every name is checked before anything is pulled, with docker's messages.
        for name in &p.args {
            if let Err(e) = render::pull_preamble(name, false, true) {
                err(&format!("{e}\n"));
                return 1;
            }
        }
    } else {
        match render::pull_preamble(&p.args[0], all_tags, quiet) {
            Ok(text) => out(&text),
            Err(e) => {
                err(&format!("{e}\n"));
                return 1;
            }
        }
    }
    if let Some(platform) = p.last("platform").filter(|p| !p.is_empty()) {
        // Refused before anything is sent, in the daemon's words, as the daemon would answer.
        if let Err(e) = dimg::check_platform(platform) {
            err(&format!("Error response from daemon: {e}\n"));
            return 1;
        }
        options = options.platform(platform);
    }
    if p.args.len() > 1 {
        let concurrency = usize::try_from(concurrency).unwrap_or(usize::MAX);
        return pull_several(&client, &p.args, &options, policy, concurrency, quiet);
    }
    pull_one(&client, &p.args[0], &options, policy, quiet)
}

/// `docker pull NAME`, byte for byte; a retry (dimg's `--retry`) is a line on stderr.
fn pull_one(client: &Client, name: &str, options: &PullOptions, policy: PullPolicy, quiet: bool) -> Status {
    let tty = std::io::stdout().is_terminal();
    let mode = if quiet {
        PullMode::Quiet
    } else if tty {
        PullMode::Terminal(stdout_terminal_width())
    } else {
        PullMode::Plain
    };
    let mut printer = PullPrinter::new(mode);
    let mut stream = client.images().pull(name, options);
    while let Some(event) = stream.next_event() {
        match event {
            Ok(event) if event.phase == PullPhase::Retry => {
                if !quiet {
                    err(&format!("{}\n", event.status));
                }
                // The next attempt's lines start below: the failed attempt's stay as they were.
                printer = PullPrinter::new(mode);
            }
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
    if stream.summary().outcome == dimg::PullOutcome::Skipped && !quiet {
        out(&skipped_pull_lines(stream.summary(), policy));
    }
    out(&printer.finish(stream.summary()));
    0
}

/// `dimg pull NAME NAME...` (dimg's own): [`dimg::blocking::Images::pull_many`], shown live
/// on a terminal, else as one line per image as it ends and a total line (see `PULL_ABOUT`).
/// The references were checked already.
fn pull_several(
    client: &Client,
    names: &[String],
    options: &PullOptions,
    policy: PullPolicy,
    concurrency: usize,
    quiet: bool,
) -> Status {
    let live = !quiet && std::io::stdout().is_terminal();
    let size = || stdout_terminal_size().map_or((None, None), |(w, h)| (Some(w), Some(h)));
    let (width, rows) = size();
    let mut view = ManyPullView::new(names, policy, width, rows);
    if live {
        out(&view.redraw());
    }
    let mut references: Vec<String> = names.to_vec();
    let mut totals = dimg::PullTotals::default();
    // Events come by the hundred a second: the live view is redrawn at most this often, and
    // whenever an image starts or ends.
    const REDRAW_EVERY: Duration = Duration::from_millis(100);
    let mut drawn_at = Instant::now();
    let pulled = client
        .images()
        .pull_many(names, options, concurrency)
        .finish_with(|progress| {
            references[progress.index] = progress.reference.to_string();
            totals = progress.totals.clone();
            if live {
                view.apply(progress.index, progress.reference, &progress.update, progress.totals);
                let busy = matches!(&progress.update, PullUpdate::Event(e) if e.phase != PullPhase::Retry);
                if !busy || drawn_at.elapsed() >= REDRAW_EVERY {
                    let (width, rows) = size();
                    view.set_size(width, rows);
                    out(&view.redraw());
                    drawn_at = Instant::now();
                }
                return Ok(());
            }
            match &progress.update {
                PullUpdate::Finished(Ok(summary)) if !quiet => {
                    out(&format!("{}\n", render::image_line(summary, policy)))
                }
                PullUpdate::Finished(Err(e)) => err(&format!("{}\n", render::failure_line(progress.reference, e))),
                PullUpdate::Event(e) if e.phase == PullPhase::Retry && !quiet => {
                    err(&format!("{}\n", render::status_line(progress.reference, &e.status)))
                }
                _ => {}
            }
            Ok(())
        });
    let results = match pulled {
        Ok(results) => results,
        Err(e) => {
            err(&format!("{}\n", dimg_render::cli_message(&e)));
            return 1;
        }
    };
    if live {
        out(&view.finish());
        // The errors on stderr too, unless it is the same screen, where the last frame shows them.
        let stderr_elsewhere = !std::io::stderr().is_terminal();
        for (reference, result) in references.iter().zip(&results).filter(|_| stderr_elsewhere) {
            if let Err(e) = result {
                err(&format!("{}\n", render::failure_line(reference, e)));
            }
        }
    } else if quiet {
        let pulled: String = results.iter().flatten().map(|s| format!("{}\n", s.reference)).collect();
        out(&pulled);
    } else {
        out(&format!("{}\n", render::total_line(&totals)));
    }
    u8::from(results.iter().any(Result::is_err))
}

/// What `dimg pull --policy` prints for a pull it skipped, in the manner of docker's last
/// lines (`Digest: ...`, `Status: ... for NAME`); docker itself never skips a pull. `newer`
/// found the registry's digest equal to the local image's, which is docker's "up to date".
fn skipped_pull_lines(summary: &dimg::PullSummary, policy: PullPolicy) -> String {
    let name = dimg::ImageRef::parse(&summary.reference)
        .map(|r| r.familiar_string())
        .unwrap_or_else(|_| summary.reference.clone());
    let mut text = String::new();
    if let Some(digest) = &summary.digest {
        text.push_str(&format!("Digest: {digest}\n"));
    }
    match policy {
        PullPolicy::Newer => text.push_str(&format!("Status: Image is up to date for {name}\n")),
        _ => text.push_str(&format!(
            "Status: Image is present locally for {name}, not pulled (--policy {policy})\n"
        )),
    }
    text
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

/// `dimg image prune [-a] [-f] [--filter K=V]`: docker's question on stdout (unless `-f`), its
/// answer from stdin (only `y`/`Y` goes on; declining is not an error), then docker's report.
fn prune(client: &Client, command: &Command, p: &Parsed) -> Status {
    if !p.args.is_empty() {
        err(&format!(
            "dimg: 'dimg {}' accepts no arguments\n\n{}",
            command.name,
            usage_hint(command, "Run")
        ));
        return 1;
    }
    let mut options = dimg::PruneOptions::new().all(p.bool("all"));
    for text in p.values("filter") {
        match text.parse::<dimg::PruneFilter>() {
            Ok(filter) => options.add_filter(filter),
            Err(e) => {
                err(&format!("{}\n", dimg_render::cli_message(&e)));
                return 1;
            }
        }
    }
    if !p.bool("force") {
        out(render::prune_prompt(p.bool("all")));
        let mut answer = String::new();
        // EOF or an unreadable stdin is a "no", as with docker.
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y") {
            return 0;
        }
    }
    match client.images().prune(&options) {
        Ok(report) => {
            out(&render::prune_stdout(&report));
            0
        }
        Err(e) => {
            err(&format!("{}\n", dimg_render::cli_message(&e)));
            1
        }
    }
}

/// `dimg mirror add|remove URL`, `dimg mirror list`: the seed's "add a registry-mirrors entry
/// to /etc/docker/daemon.json, then restart docker", done carefully.
fn mirror(command: &Command, p: &Parsed) -> Status {
    let path = p.last("config").unwrap_or(dimg::daemon_config::DEFAULT_DAEMON_JSON);
    let report = |result: dimg::Result<dimg::daemon_config::MirrorChange>, done: &str, nothing: &str| match result {
        Ok(change) => {
            if change.changed {
                // Through a symbolic link, say which file changed: the link itself did not.
                let file = match change.target == change.path {
                    true => change.path.display().to_string(),
                    false => format!("{} (-> {})", change.path.display(), change.target.display()),
                };
                out(&format!("{done} {file}\n"));
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
