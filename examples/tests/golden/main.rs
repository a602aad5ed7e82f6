//! Golden tests: the real docker CLI (28.2) and `dimg` run against the same private engine
//! (`scripts/engine.sh`), and must print the same stdout, the same stderr where docker's
//! wording is fixed, and exit with the same status, for a matrix of flags of `images`,
//! `search`, `pull` and `rmi`.
//!
//! Only what docker itself leaves unordered is normalised: the order of repositories within
//! one image (a Go map in the CLI; listings holding such an image are compared with sorted
//! lines, and their `-q` order exactly), images created in the same second (the daemon's sort
//! is not stable), values of one filter in an error message (a Go map), and the interleaving
//! of parallel layer downloads in a pull (per-layer sequences are compared; intermediate
//! statuses the daemon may coalesce away are dropped; on a terminal the final screens are
//! compared). Listings are rerun once or twice on a mismatch, for `CREATED` crossing a unit
//! between the two runs, and whole-daemon listings are compared only while no other client
//! changes the images.
//!
//! Podman: the suite compares with the docker CLI against dockerd only. Pointed at Podman
//! (`DIMG_TEST_DOCKER_HOST` = its socket), about 165 of the 305 comparisons are identical; the rest
//! cannot be, because dimg evens out Podman's answers where the docker CLI prints them raw:
//! `search` (the CLI reads Podman's `Stars`/`Official` fields as missing: 0 stars, never
//! `[OK]`; dimg shows them), `rmi` (Podman lists `Deleted` before `Untagged`, without
//! `sha256:`, and names Docker Hub images fully; dimg prints Docker's order and forms), listings
//! (Podman does not order images; dimg lists newest first), `pull` (Podman's stream has no
//! `Pulling from`/`Digest:`/`Status:` lines; `pull -a` is refused), and errors for names dimg
//! refuses before any request (dockerd's wording, not Podman's). README.md, "Podman", has the
//! whole list.
//!
//! Needs `DIMG_TEST_DOCKER_HOST`, `DIMG_TEST_REGISTRY`, `DIMG_TEST_INDEX` (from
//! `scripts/engine.sh env`) and the docker CLI on `PATH` (or `DIMG_TEST_DOCKER_CLI`).
//! Images made here are labelled `dimg.golden` and removed at the end; registry images
//! that were present before are present again after.

mod fixture;
mod remote;
mod support;

use std::collections::{BTreeSet, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use fixture::Image;
use support::{Norm, Out, Report, dimg, docker, docker_ok, docker_quiet, env, in_terminal, screen, strings};

fn reg(name: &str) -> String {
    format!("{}/{name}", env().registry)
}

/// `args` joined for a case name.
fn show(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.contains(' ') || a.is_empty() {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn exists(reference: &str) -> bool {
    docker(&strings(&["image", "inspect", "--format", "{{.Id}}", reference])).code == 0
}

/// Unique full ids of `docker images -q --no-trunc ARGS`.
fn image_ids(args: &[&str]) -> Vec<String> {
    let mut full = vec!["images", "-q", "--no-trunc"];
    full.extend_from_slice(args);
    let out = docker_ok(&full);
    let mut seen = BTreeSet::new();
    out.lines()
        .filter(|l| seen.insert(l.to_string()))
        .map(str::to_string)
        .collect()
}

/// What the tests created, and what the registry images looked like before.
struct State {
    rmi_archive: Vec<u8>,
    /// Registry references touched here, and whether each was present before.
    touched: Vec<(String, bool)>,
    container: String,
}

const RMI_LABEL: &str = "dimg.golden=rmi";

fn cleanup_fixtures() {
    let containers = docker_ok(&["ps", "-aq", "--filter", "label=dimg.golden"]);
    for id in containers.lines() {
        docker_quiet(&["rm", "-f", id]);
    }
    for id in image_ids(&["--filter", "label=dimg.golden"]) {
        docker_quiet(&["rmi", "-f", &id]);
    }
}

fn setup() -> State {
    cleanup_fixtures();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let at = |secs: i64| fixture::rfc3339(secs);
    let hours = |h: i64| at(now - h * 3600);

    // Sizes around every unit boundary, a few hours old (distinct hours: no ties).
    let sizes: &[(&str, usize)] = &[
        ("0b", 0),
        ("999b", 999),
        ("1kb", 1000),
        ("1.03kb", 1032),
        ("20kb", 19_977),
        ("999kb", 999_499),
        ("1e3kb", 999_500),
        ("1mb", 1_000_000),
        ("2.75mb", 2_746_000),
    ];
    let mut list: Vec<Image> = sizes
        .iter()
        .enumerate()
        .map(|(i, (tag, size))| {
            Image::new(
                &[&format!("dimg-golden/size:{tag}")],
                hours(2 + 3 * i as i64),
                &format!("size-{tag}"),
                *size,
            )
        })
        .collect();
    // Ages in the middle of their units.
    let ages: &[(&str, i64)] = &[
        ("future", now + 86_400),
        ("minutes", now - 630),
        ("hour", now - 3600 - 600),
        ("days", now - 5 * 86_400 - 3600),
        ("weeks", now - 20 * 86_400),
        ("months", now - 100 * 86_400),
        ("years", now - 3 * 365 * 86_400 - 86_400),
        ("epoch", 0),
        ("zero", -62_135_596_800),
    ];
    for (tag, created) in ages {
        list.push(Image::new(
            &[&format!("dimg-golden/age:{tag}")],
            at(*created),
            &format!("age-{tag}"),
            12,
        ));
    }
    // One image under several repositories and tags; a labelled one; two dangling ones.
    list.push(Image::new(
        &[
            "dimg-golden/multi:a",
            "dimg-golden/multi:b",
            "dimg-golden/other:x",
            "dimg-golden/other:y",
        ],
        hours(40),
        "multi",
        4321,
    ));
    list.push(
        Image::new(&["dimg-golden/labelled:1"], hours(41), "labelled", 77)
            .label("org.example.team", "core")
            .label("dimg.golden.kind", "labelled \"quoted\" <x>"),
    );
    list.push(Image::new(&[], hours(42), "dangling-1", 3));
    list.push(Image::new(&[], hours(43), "dangling-2", 1234));
    fixture::load(&fixture::archive(&list, ("dimg.golden", "list")));

    // Images for rmi: several tags and repositories, a sole tag, one used by a container.
    let rmi = vec![
        Image::new(
            &["dimg-golden/rmi-a:1", "dimg-golden/rmi-a:2", "dimg-golden/rmi-b:1"],
            hours(50),
            "rmi-multi",
            10,
        ),
        Image::new(&["dimg-golden/rmi-solo:1"], hours(51), "rmi-solo", 11),
        Image::new(&["dimg-golden/rmi-solo:2"], hours(52), "rmi-solo-2", 13),
        Image::new(&["dimg-golden/rmi-used:1"], hours(53), "rmi-used", 12),
    ];
    let rmi_archive = fixture::archive(&rmi, ("dimg.golden", "rmi"));
    fixture::load(&rmi_archive);
    let container = docker_ok(&[
        "create",
        "--label",
        "dimg.golden=1",
        "--name",
        "dimg-golden-used",
        "dimg-golden/rmi-used:1",
        "/nothing",
    ])
    .trim()
    .to_string();

    // Registry images: remember which were there.
    let refs = [
        "tiny:1.0",
        "tiny:2.0",
        "multi:1.0",
        "big:1.0",
        "labelled:1.0",
        "alltags:a",
        "alltags:b",
        "alltags:c",
    ];
    let mut touched: Vec<(String, bool)> = refs.iter().map(|r| (reg(r), exists(&reg(r)))).collect();
    for r in ["zookeeper:latest", "zookeeper:3.9", "tomcat:latest"] {
        touched.push((r.to_string(), exists(r)));
    }
    // For the listings: big (~20 MB), labelled, and alltags with `a` made digest-only by
    // moving its tag to `b`'s image.
    for r in ["big:1.0", "labelled:1.0"] {
        if !exists(&reg(r)) {
            docker_ok(&["pull", "-q", &reg(r)]);
        }
    }
    for id in image_ids(&[&reg("alltags")]) {
        docker_quiet(&["rmi", "-f", &id]);
    }
    for t in ["a", "b", "c"] {
        docker_ok(&["pull", "-q", &reg(&format!("alltags:{t}"))]);
    }
    docker_ok(&["tag", &reg("alltags:b"), &reg("alltags:a")]);
    State {
        rmi_archive,
        touched,
        container,
    }
}

fn teardown(state: &State) {
    cleanup_fixtures();
    for id in image_ids(&[&reg("alltags")]) {
        docker_quiet(&["rmi", "-f", &id]);
    }
    for (reference, was_there) in &state.touched {
        match (was_there, exists(reference)) {
            (true, false) => docker_quiet(&["pull", "-q", reference]),
            (false, true) => docker_quiet(&["rmi", reference]),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// docker images
// ---------------------------------------------------------------------------------------------

fn images_cases(r: &Report) {
    let flag_sets: &[&[&str]] = &[
        &[],
        &["-a"],
        &["-q"],
        &["-aq"],
        &["--digests"],
        &["--no-trunc"],
        &["-q", "--no-trunc"],
        &["-q", "--digests"],
        &["--digests", "--no-trunc"],
        &["--format", "json"],
        &["--format", "{{json .}}"],
        &["--format", "table"],
        &["-q", "--format", "table"],
        &["--format", "raw"],
        &["--digests", "--format", "raw"],
        &["--format", "table {{.ID}}\\t{{.Repository}}:{{.Tag}}\\t{{.Size}}"],
        &["--digests", "--format", "table {{.Repository}}\\t{{.Tag}}"],
        &["--format", "{{.Repository}}:{{.Tag}} {{.Digest}}"],
        &[
            "--format",
            "table {{.CreatedAt}}\\t{{.CreatedSince}}\\t{{.VirtualSize}}\\t{{.SharedSize}}\\t{{.UniqueSize}}\\t{{.Containers}}",
        ],
        &[
            "--format",
            "{{printf \"%-24s|%8s|\" .Repository .Size}}{{upper .Tag}} {{len .ID}} {{if eq .Tag \"<none>\"}}untagged{{else}}{{lower .Tag}}{{end}}",
        ],
        &[
            "--format",
            "{{json .Repository}} {{json .Tag}} {{title .Repository}} {{truncate .ID 5}}",
        ],
    ];
    let alltags = reg("alltags");
    let scopes: Vec<(Vec<&str>, bool)> = vec![
        (vec!["-f", "label=dimg.golden=list"], true),
        (vec!["dimg-golden/size"], false),
        (vec!["dimg-golden/age"], false),
        (vec![alltags.as_str()], false),
        (vec!["-f", "dangling=true", "-f", "label=dimg.golden=list"], false),
    ];
    for (scope, unordered) in &scopes {
        for flags in flag_sets {
            let mut args = vec!["images".to_string()];
            args.extend(strings(flags));
            args.extend(strings(scope));
            let quiet_only = flags.contains(&"-q") || flags.contains(&"-aq");
            let norm = if *unordered && !quiet_only {
                Norm::SortedLines
            } else {
                Norm::Exact
            };
            r.same(&show(&args), &args, &args, norm, true, 2);
        }
    }
    let big = reg("big:1.0");
    let labelled = reg("labelled");
    let singles: Vec<(Vec<&str>, Norm)> = vec![
        (vec![big.as_str()], Norm::Exact),
        (vec!["--digests", big.as_str()], Norm::Exact),
        (vec![labelled.as_str(), "--digests", "--no-trunc"], Norm::Exact),
        (vec!["-f", "label=org.example.team=core"], Norm::Exact),
        (vec!["-f", "label=dimg.golden.kind"], Norm::Exact),
        (
            vec!["--filter=label=dimg.golden=list", "-f", "label=org.example.team"],
            Norm::Exact,
        ),
        (vec!["-f", "reference=dimg-golden/*"], Norm::SortedLines),
        (vec!["-q", "-f", "reference=dimg-golden/*"], Norm::Exact),
        (vec!["dimg-golden/multi"], Norm::Exact),
        (vec!["dimg-golden/other:x", "--digests"], Norm::Exact),
        (vec!["dimg-golden/multi:*"], Norm::Exact),
        (
            vec!["-f", "before=dimg-golden/size:1mb", "-f", "label=dimg.golden=list"],
            Norm::SortedLines,
        ),
        (
            vec!["-f", "since=dimg-golden/size:1mb", "dimg-golden/size"],
            Norm::Exact,
        ),
        (
            vec!["-f", "dangling=false", "-f", "label=dimg.golden=list"],
            Norm::SortedLines,
        ),
        (
            vec!["-f", " Dangling = true ", "-f", "label=dimg.golden=list"],
            Norm::Exact,
        ),
        (vec!["nosuch"], Norm::Exact),
        (vec!["-q", "nosuch"], Norm::Exact),
        (vec!["--format", "json", "nosuch"], Norm::Exact),
        (vec!["--format", "{{.Foo}}", "nosuch"], Norm::Exact),
        (vec!["--format", "table {{.Foo}}\\t{{.ID}}", "nosuch"], Norm::Exact),
        (vec!["--digests=false", "-q=0", "dimg-golden/size"], Norm::Exact),
        (vec!["--", "dimg-golden/size"], Norm::Exact),
        // Errors: template, daemon, flags, arguments.
        (vec!["--format", "{{.Foo}}", "dimg-golden/size"], Norm::Exact),
        (vec!["--format", "{{.ID}} {{.Foo}}", "dimg-golden/size"], Norm::Exact),
        (vec!["--format", "{{.ID", "dimg-golden/size"], Norm::Exact),
        (vec!["--format", "{{upper .}}", "dimg-golden/size"], Norm::Exact),
        (vec!["--format", "{{.ID.Short}}", "dimg-golden/size"], Norm::Exact),
        (vec!["--format", "{{if .ID}}x", "dimg-golden/size"], Norm::Exact),
        (vec!["--format", "{{end}}", "dimg-golden/size"], Norm::Exact),
        (vec!["-f", "foo=bar"], Norm::Exact),
        (vec!["-f", "dangling=maybe"], Norm::Exact),
        (vec!["-f", "until=10m"], Norm::Exact),
        (vec!["-f", "label"], Norm::Exact),
        (vec!["-x"], Norm::Exact),
        (vec!["--nope"], Norm::Exact),
        (vec!["a", "b"], Norm::Exact),
        (vec!["--filter"], Norm::Exact),
        (vec!["--format"], Norm::Exact),
        (vec!["--all=x"], Norm::Exact),
        (vec!["-qa=x"], Norm::Exact),
    ];
    for (args, norm) in singles {
        let mut args = strings(&args);
        args.insert(0, "images".to_string());
        r.same(&show(&args), &args, &args, norm, true, 2);
    }
    // Template language: Go builtins, pipes, literals, trimming, and their errors.
    let templates = [
        "{{json .ID}}{{\"\\t\"}}{{.Size | printf \"%q\"}}",
        "{{- .ID -}} {{/* c */}} x",
        "{{ .ID }}{{ if not .Tag }}none{{ else if eq .Tag \"1kb\" \"2.75mb\" }}one{{ else }}other{{ end }}",
        "{{index .ID 0}} {{slice .ID 0 3}}|{{slice .ID 10}} {{.ID | len | printf \"%05d\"}}",
        "{{split .Repository \"/\"}} {{json (split .Repository \"/\")}} {{join (split .Tag \".\") \"+\"}}",
        "{{printf \"%v %s %d %t %x\" .ID .Tag 42 true \"hi\"}} {{printf \"%5.1s|%-4d|%+d|%d\" .Tag 7 7}}",
        "{{println .ID .Tag}}{{print 1 2 \"a\" \"b\" 3}}",
        "{{and .ID \"\"}}|{{or \"\" .Tag}}|{{lt .Size \"3\"}} {{gt 3 2}} {{ne .Tag \"x\"}}",
        "{{pad .Tag 2 3}}|{{truncate .Repository 4}}|{{title \"hello wORLD-x_y\"}}|{{'a'}}",
        "{{eq .ID 3}}",
        "{{nil}}",
        "{{len 3}}",
        "{{index .ID 99}}",
        "{{upper .ID .Tag}}",
        "{{\"unterminated}}",
        "{{else}}",
        "{{if}}{{end}}",
        "{{(.ID}}",
        "{{.ID}}{{}}",
        "{{nosuch .ID}}",
        "table {{json .}}",
    ];
    for template in templates {
        let args = strings(&["images", "--format", template, "dimg-golden/size"]);
        r.same(&show(&args), &args, &args, Norm::Exact, true, 2);
    }
    // Aliases.
    let docker_args = strings(&["image", "ls", "dimg-golden/size"]);
    r.same(
        "image ls dimg-golden/size",
        &docker_args,
        &docker_args,
        Norm::Exact,
        true,
        2,
    );
    let docker_args = strings(&["image", "list", "-q", "dimg-golden/age"]);
    r.same(
        "image list -q dimg-golden/age",
        &docker_args,
        &docker_args,
        Norm::Exact,
        true,
        2,
    );
}

// ---------------------------------------------------------------------------------------------
// docker search
// ---------------------------------------------------------------------------------------------

fn search_cases(r: &Report) {
    let index = &env().index;
    let terms = [
        format!("{index}/tomcat"),
        format!("{index}/edge"),
        format!("{index}/load"),
    ];
    let flag_sets: &[&[&str]] = &[
        &[],
        &["--no-trunc"],
        &["--limit", "5"],
        &["--limit=3", "--no-trunc"],
        &["--limit", "0"],
        &["--limit", "-1"],
        &["--limit", "100"],
        &["-f", "stars=10"],
        &["--filter=stars=50", "--filter", "stars=3"],
        &["-f", "stars=-1"],
        &["-f", "is-official=true"],
        &["-f", "is-official=false", "-f", "stars=3"],
        &["-f", "is-automated=true"],
        &["-f", "is-automated=false", "--no-trunc"],
        &["--format", "json"],
        &["--format", "json", "--no-trunc"],
        &["--format", "{{.Name}}: {{.StarCount}} {{.IsOfficial}}"],
        &["--format", "table {{.Name}}\\t{{.IsOfficial}}"],
        &["--format", "table {{.Description}}", "--no-trunc"],
        &["--format", "{{json .}}", "--limit", "2"],
        &["--format", "table"],
        // Errors.
        &["--limit", "101"],
        &["--limit", "x"],
        &["-f", "foo=bar"],
        &["-f", "foo=bar", "--limit", "101"],
        &["-f", "stars=abc"],
        &["-f", "is-official=maybe"],
        &["-f", "is-official=TRUE"],
        &["-f", "is-automated=maybe"],
        &["-f", "nokey"],
        &["--format", "{{.IsAutomated}}"],
        &["--format", "{{.Name"],
        &["-s", "3"],
    ];
    for term in &terms {
        for flags in flag_sets {
            if term.ends_with("/load") && !flags.is_empty() && flags[0] != "--limit" {
                continue;
            }
            let mut args = vec!["search".to_string()];
            args.extend(strings(flags));
            args.push(term.clone());
            if flags == &["-s", "3"] {
                continue; // dimg keeps -s; compared below with the filter it became
            }
            r.same(&show(&args), &args, &args, Norm::Exact, true, 0);
        }
    }
    // The seed's old flags, as the filters they became in docker (stdout and status; docker's
    // deprecation warning comes with its `-f is-automated` only).
    let tomcat = &terms[0];
    let d = strings(&["search", "-f", "stars=20", tomcat]);
    let m = strings(&["search", "-s", "20", tomcat]);
    r.same("search -s 20 (as -f stars=20)", &d, &m, Norm::Exact, true, 0);
    let d = strings(&["search", "--filter=stars=5", tomcat]);
    let m = strings(&["search", "--stars=5", tomcat]);
    r.same("search --stars=5 (as --filter=stars=5)", &d, &m, Norm::Exact, true, 0);
    let d = strings(&[
        "search",
        "-f",
        "is-automated=true",
        "-f",
        "stars=10",
        "--no-trunc",
        tomcat,
    ]);
    let m = strings(&["search", "--automated", "-s", "10", "--no-trunc", tomcat]);
    r.same("search --automated -s 10 (as filters)", &d, &m, Norm::Exact, false, 0);
    // Two values of one filter: the daemon lists them from a Go map, in any order.
    let args = strings(&["search", "-f", "is-official=true", "-f", "is-official=false", tomcat]);
    let sorted_values = |out: Out| -> Out {
        let stderr = match (out.stderr.find('['), out.stderr.find(']')) {
            (Some(a), Some(b)) if a < b => {
                let mut values: Vec<&str> = out.stderr[a + 1..b].split(' ').collect();
                values.sort_unstable();
                format!("{}{}{}", &out.stderr[..=a], values.join(" "), &out.stderr[b..])
            }
            _ => out.stderr.clone(),
        };
        Out { stderr, ..out }
    };
    r.compare(
        &show(&args),
        &sorted_values(docker(&args)),
        &sorted_values(dimg(&args)),
        Norm::Exact,
        true,
    );
    // Arguments.
    for args in [vec!["search"], vec!["search", "a", "b"]] {
        let args = strings(&args);
        r.same(&show(&args), &args, &args, Norm::Exact, true, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// docker pull
// ---------------------------------------------------------------------------------------------

fn remove_refs(refs: &[&str]) {
    for reference in refs {
        if exists(reference) {
            docker_quiet(&["rmi", "-f", reference]);
        }
    }
}

fn pull_cases(r: &Report) {
    let tiny1 = reg("tiny:1.0");
    let tiny2 = reg("tiny:2.0");
    let tiny = reg("tiny");
    let multi = reg("multi:1.0");
    let pull = |args: &[&str]| {
        let mut v = vec!["pull".to_string()];
        v.extend(strings(args));
        v
    };
    // Fresh pulls (the image removed before each of the two runs).
    let fresh: Vec<(Vec<String>, Vec<String>, Norm)> = vec![
        (pull(&[&tiny1]), vec![tiny1.clone()], Norm::Pull),
        (pull(&[&multi]), vec![multi.clone()], Norm::Pull),
        (pull(&["-q", &tiny2]), vec![tiny2.clone()], Norm::Exact),
        (pull(&["-a", &tiny]), vec![tiny1.clone(), tiny2.clone()], Norm::Pull),
        (
            pull(&["--platform", "linux/amd64", &tiny1]),
            vec![tiny1.clone()],
            Norm::Pull,
        ),
        (
            pull(&["zookeeper"]),
            vec!["zookeeper:latest".into(), "zookeeper:3.9".into()],
            Norm::Pull,
        ),
        (pull(&["tomcat:latest"]), vec!["tomcat:latest".into()], Norm::Pull),
    ];
    for (args, refs, norm) in &fresh {
        let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
        r.same_after(
            &format!("{} (fresh)", show(args)),
            args,
            &|| remove_refs(&refs),
            *norm,
            true,
        );
    }
    // Now present: up to date, an added tag, by digest, quiet, all tags.
    docker_ok(&["pull", "-q", &tiny1]);
    docker_ok(&["pull", "-q", &tiny2]);
    docker_ok(&["pull", "-q", "zookeeper"]);
    let digest = docker_ok(&["image", "inspect", "--format", "{{index .RepoDigests 0}}", &tiny1])
        .trim()
        .to_string();
    let up_to_date: Vec<Vec<String>> = vec![
        pull(&[&tiny1]),
        pull(&["-q", &tiny1]),
        pull(&["-a", &tiny]),
        pull(&[&digest]),
        pull(&["zookeeper"]),
        pull(&["--platform", "linux/amd64", &multi]),
        pull(&["--disable-content-trust", &tiny2]),
    ];
    for args in &up_to_date {
        r.same(&format!("{} (present)", show(args)), args, args, Norm::Exact, true, 0);
    }
    // A tag added to a present image: "Downloaded newer image" without layers.
    r.same_after(
        "pull zookeeper:3.9 (tag of a present image)",
        &pull(&["zookeeper:3.9"]),
        &|| remove_refs(&["zookeeper:3.9"]),
        Norm::Exact,
        true,
    );
    // By digest, fresh.
    r.same_after(
        "pull NAME@DIGEST (fresh)",
        &pull(&[&digest]),
        &|| remove_refs(&[&tiny1, &digest]),
        Norm::Pull,
        true,
    );
    docker_ok(&["pull", "-q", &tiny1]);
    // Errors.
    let errors: Vec<Vec<String>> = vec![
        pull(&[&tiny]),
        pull(&["-q", &tiny]),
        pull(&[&reg("tiny:nope")]),
        pull(&[&reg("nosuchrepo:1.0")]),
        pull(&["Tiny"]),
        pull(&["-a", &tiny1]),
        pull(&["-a", &digest]),
        pull(&["127.0.0.1:1/x:1"]),
        pull(&["--platform", "linux//x", &tiny1]),
        pull(&["--platform", "linux/amd64/v1/x", &tiny1]),
        pull(&["a b"]),
        pull(&[]),
        // Not `pull a b`: docker refuses two names, dimg pulls them both (its own extension,
        // tests/pull_many.rs).
        pull(&["--nope", "x"]),
    ];
    for args in &errors {
        r.same(&show(args), args, args, Norm::Exact, true, 0);
    }
    // On a terminal: the final screens must be the same.
    for (image, cols) in [(&multi, 120u16), (&tiny1, 80)] {
        let name = format!("pull {image} on a {cols}-column terminal (fresh)");
        remove_refs(&[image]);
        let Some(d) = in_terminal(&env().docker, &["pull", image], cols) else {
            eprintln!("SKIP {name}: `script` is not available");
            continue;
        };
        remove_refs(&[image]);
        let m = in_terminal(env!("CARGO_BIN_EXE_dimg"), &["pull", image], cols).unwrap_or_default();
        let (ds, ms) = (screen(&d).join("\n") + "\n", screen(&m).join("\n") + "\n");
        let ok_escapes = m.contains("\x1b[2K\r") && m.contains("\x1b[1A");
        let as_out = |s: String| Out {
            stdout: s,
            stderr: String::new(),
            code: 0,
        };
        if r.compare(&name, &as_out(ds), &as_out(ms), Norm::Exact, false) && !ok_escapes {
            r.fail(
                &name,
                "  dimg did not redraw lines in place (no ESC[1A / ESC[2K)\n".into(),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// docker rmi
// ---------------------------------------------------------------------------------------------

fn rmi_cases(r: &Report, state: &State) {
    let reset = || fixture::load(&state.rmi_archive);
    reset();
    let multi_id = image_ids(&["dimg-golden/rmi-a:1"]).remove(0);
    let short = multi_id.trim_start_matches("sha256:")[..12].to_string();
    let rmi = |args: &[&str]| {
        let mut v = vec!["rmi".to_string()];
        v.extend(strings(args));
        v
    };
    let cases: Vec<Vec<String>> = vec![
        rmi(&["dimg-golden/rmi-a:1"]),
        rmi(&["dimg-golden/rmi-solo:1"]),
        rmi(&["dimg-golden/rmi-solo:1", "dimg-golden/rmi-solo:2"]),
        rmi(&["--no-prune", "dimg-golden/rmi-solo:1"]),
        rmi(&[&short]),
        rmi(&[&multi_id]),
        rmi(&["-f", &short]),
        rmi(&["-f", &short, &short]),
        rmi(&[&short, &short]),
        rmi(&["dimg-golden/rmi-a:1", "dimg-golden/rmi-a:2", "dimg-golden/rmi-b:1"]),
        rmi(&["dimg-golden/rmi-used:1"]),
        rmi(&["-f", "dimg-golden/rmi-used:1"]),
        rmi(&["nosuch"]),
        rmi(&["-f", "nosuch"]),
        rmi(&["-f", "nosuch", "dimg-golden/rmi-solo:1", "nosuch:2"]),
        rmi(&["nosuch", "dimg-golden/rmi-solo:1"]),
        rmi(&["-f", "Tiny", "nosuch"]),
        rmi(&["a b"]),
        rmi(&["sha256:abc"]),
        rmi(&["dimg-golden/rmi-a"]),
        rmi(&[]),
        rmi(&["-x", "a"]),
    ];
    for args in &cases {
        r.same_after(&show(args), args, &reset, Norm::Exact, true);
    }
    // The seed's `docker rmi -f $(docker images -qa)`, on the rmi images only: duplicates.
    reset();
    let ids = docker_ok(&["images", "-q", "-f", &format!("label={RMI_LABEL}")]);
    let mut args = vec!["rmi".to_string(), "-f".to_string()];
    args.extend(ids.lines().map(str::to_string));
    r.same_after("rmi -f $(images -q rmi fixtures)", &args, &reset, Norm::Exact, true);
    reset();
    // A pulled image: untagging the last tag of a repository also untags its digest.
    docker_ok(&["pull", "-q", "zookeeper:3.9"]);
    r.same_after(
        "rmi zookeeper zookeeper:3.9 (pulled, with digest)",
        &rmi(&["zookeeper", "zookeeper:3.9"]),
        &|| {
            docker_ok(&["pull", "-q", "zookeeper"]);
            docker_ok(&["pull", "-q", "zookeeper:3.9"]);
        },
        Norm::Exact,
        true,
    );
    // docker image prune, on the rmi fixtures only (their label): removed items, the space
    // reclaimed, the question (stdin is empty: declined), usage errors.
    let fixtures = format!("label={RMI_LABEL}");
    let prune = |args: &[&str]| {
        let mut v = strings(&["image", "prune"]);
        v.extend(strings(args));
        v
    };
    let prune_cases: Vec<Vec<String>> = vec![
        prune(&["-f", "--filter", &fixtures]),
        prune(&["-a", "-f", "--filter", &fixtures]),
        prune(&[
            "--all",
            "--force",
            "--filter",
            &fixtures,
            "--filter",
            "until=2001-01-01T00:00:00Z",
        ]),
        prune(&["--filter", &fixtures]),
        prune(&["-a", "--filter", &fixtures]),
        prune(&["-f", "--filter", "until=xyz"]),
        prune(&["-f", "--filter", "nokey"]),
        prune(&["x"]),
    ];
    for args in &prune_cases {
        // The daemon removes what `-a` selects in a random order (a Go map's).
        let norm = if args.iter().any(|a| a == "-a" || a == "--all") {
            Norm::SortedLines
        } else {
            Norm::Exact
        };
        r.same_after(&show(args), args, &reset, norm, true);
    }
    reset();
    let _ = &state.container;
}

/// Every image and reference of the daemon, to tell whether something else changed it.
/// The daemon's images, one sorted line each (sorted: the daemon orders images created in the
/// same second differently from one call to the next, which is no change).
fn snapshot() -> String {
    let listed = docker_ok(&[
        "images",
        "-a",
        "--no-trunc",
        "--format",
        "{{.ID}} {{.Repository}}:{{.Tag}} {{.Digest}}",
    ]);
    let lines: BTreeSet<&str> = listed.lines().collect();
    lines.into_iter().collect::<Vec<_>>().join("\n")
}

/// Runs `compare` while the daemon's images stay the same (other suites may be using the
/// engine); skips with a note when they never do.
fn while_stable(r: &Report, name: &str, compare: &dyn Fn() -> (Out, Out), norm: Norm) {
    let mut change = String::new();
    for _ in 0..8 {
        let before = snapshot();
        let (d, m) = compare();
        let after = snapshot();
        if after == before {
            r.compare(name, &d, &m, norm, true);
            return;
        }
        // What changed, for the skip note: the first line only one snapshot has.
        let (old, new): (HashSet<&str>, HashSet<&str>) = (before.lines().collect(), after.lines().collect());
        change = match (old.difference(&new).next(), new.difference(&old).next()) {
            (Some(gone), _) => format!("{gone} went away"),
            (None, Some(came)) => format!("{came} appeared"),
            (None, None) => "a line came twice".to_string(),
        };
        std::thread::sleep(std::time::Duration::from_millis(700));
    }
    eprintln!("SKIP {name}: the engine's images kept changing (another suite is using it; last: {change})");
}

/// Whole-daemon listings and `info`, compared only while nothing else changes the images.
fn whole_daemon_cases(r: &Report) {
    for args in [vec!["images"], vec!["images", "-a", "--digests"]] {
        let args = strings(&args);
        while_stable(
            r,
            &format!("{} (whole daemon)", show(&args)),
            &|| (docker(&args), dimg(&args)),
            Norm::SortedLines,
        );
    }
    // -q: newest first, as the daemon sorts; images created in the same second come in any
    // order (the daemon's sort is not stable), so those runs are sorted before comparing.
    let args = strings(&["images", "-q"]);
    while_stable(
        r,
        "images -q (whole daemon)",
        &|| {
            let created: std::collections::HashMap<String, String> =
                docker_ok(&["images", "-a", "--format", "{{.ID}} {{.CreatedAt}}"])
                    .lines()
                    .filter_map(|l| l.split_once(' '))
                    .map(|(id, at)| (id.to_string(), at.to_string()))
                    .collect();
            let by_time = |out: Out| -> Out {
                let mut lines: Vec<(&str, &str)> = out
                    .stdout
                    .lines()
                    .map(|id| (created.get(id).map_or("", String::as_str), id))
                    .collect();
                let ordered = lines.windows(2).all(|w| w[0].0 >= w[1].0);
                lines.sort_by(|a, b| b.0.cmp(a.0).then(a.1.cmp(b.1)));
                let mut stdout: String = lines.iter().map(|(_, id)| format!("{id}\n")).collect();
                if !ordered {
                    stdout.push_str("(not newest first)\n");
                }
                Out { stdout, ..out }
            };
            (by_time(docker(&args)), by_time(dimg(&args)))
        },
        Norm::Exact,
    );
    // info: every line dimg prints is in docker's output, the registry blocks as blocks.
    r.cases.fetch_add(1, Ordering::Relaxed);
    let d = docker(&strings(&["info"]));
    let m = dimg(&strings(&["info"]));
    let mut problems = String::new();
    if m.code != 0 || d.code != 0 {
        problems.push_str(&format!(
            "  exit status: docker {} dimg {}: {}\n",
            d.code, m.code, m.stderr
        ));
    }
    for line in m.stdout.lines() {
        // Counts may change between the two calls when something else uses the engine.
        let count = |l: &str| l.split_once(": ").map(|(k, _)| k.to_string());
        if line.starts_with(" Images: ") || line.starts_with(" Containers: ") {
            if !d.stdout.lines().any(|l| count(l) == count(line)) {
                problems.push_str(&format!("  no {:?} line in docker info\n", count(line)));
            }
            continue;
        }
        if !d.stdout.lines().any(|l| l == line) {
            problems.push_str(&format!("  not in docker info: {line:?}\n"));
        }
    }
    for block in [" Insecure Registries:", " Registry Mirrors:"] {
        let take = |s: &str| -> String {
            s.lines()
                .skip_while(|l| *l != block)
                .take_while(|l| *l == block || l.starts_with("  "))
                .collect::<Vec<_>>()
                .join("\n")
        };
        if take(&d.stdout) != take(&m.stdout) {
            problems.push_str(&format!(
                "  {block} differs:\n{}\n--\n{}\n",
                take(&d.stdout),
                take(&m.stdout)
            ));
        }
    }
    if !problems.is_empty() {
        r.fail("info", problems);
    }
}

/// `-H` read as the docker CLI reads it: dimg's one address rule (`dimg::Endpoint::parse`, the
/// same in Rust, Python and C) against docker's, for forms both take. (Forms only dimg takes,
/// such as a bare socket path, are unit-tested in core; nothing here may reach the default
/// `tcp://localhost:2375`, which could be someone's engine.)
fn host_cases(r: &Report) {
    let tcp = std::env::var("DIMG_TEST_TCP_HOST").expect("DIMG_TEST_TCP_HOST (scripts/engine.sh env)");
    let bare = tcp.trim_start_matches("tcp://").to_string();
    let missing = format!("unix:///tmp/dimg-golden-{}-nosuch.sock", std::process::id());
    for host in [
        tcp.as_str(),
        bare.as_str(),
        "tcp://127.0.0.1:1",
        "127.0.0.1:1",
        missing.as_str(),
    ] {
        let args = strings(&["-H", host, "images", "-q"]);
        r.same(
            &format!("-H {host} images -q"),
            &args,
            &args,
            Norm::SortedLines,
            true,
            1,
        );
    }
}

fn main() {
    let started = Instant::now();
    fixture::self_check();
    assert_eq!(
        screen("a\r\n\r\n\x1b[1A\x1b[2K\rb: 1 \r\x1b[1B\x1b[1A\x1b[2K\rb: done \r\x1b[1Bz\r\n"),
        ["a", "b: done", "z"]
    );
    let env = env();
    let version = docker(&strings(&["version", "--format", "{{.Client.Version}}"]));
    if version.stdout.trim().is_empty() {
        eprintln!(
            "golden: the docker CLI ({}) does not run: {}",
            env.docker, version.stderr
        );
        std::process::exit(1);
    }
    if !version.stdout.starts_with("28.") {
        eprintln!(
            "golden: warning: these outputs are docker CLI 28.2's; {} is {}",
            env.docker,
            version.stdout.trim()
        );
    }
    let report = Report::default();
    let state = match catch_unwind(setup) {
        Ok(state) => state,
        Err(_) => {
            eprintln!("golden: setup failed (see the panic above); cleaning up");
            let _ = catch_unwind(cleanup_fixtures);
            std::process::exit(1);
        }
    };
    let group = |name: &str, body: &dyn Fn()| {
        let t = Instant::now();
        if catch_unwind(AssertUnwindSafe(body)).is_err() {
            report.fail(&format!("{name} (panicked)"), String::new());
        }
        eprintln!("golden: {name} done in {:.1}s", t.elapsed().as_secs_f64());
    };
    std::thread::scope(|s| {
        s.spawn(|| group("images", &|| images_cases(&report)));
        s.spawn(|| group("search", &|| search_cases(&report)));
        s.spawn(|| {
            group("pull", &|| pull_cases(&report));
            group("rmi", &|| rmi_cases(&report, &state));
        });
        s.spawn(|| group("connections", &|| remote::cases(&report)));
    });
    group("hosts", &|| host_cases(&report));
    group("whole daemon", &|| whole_daemon_cases(&report));
    let _ = catch_unwind(AssertUnwindSafe(|| teardown(&state)));
    let _ = std::fs::remove_dir_all(&env.config_dir);
    let failures = report.failures.lock().unwrap().clone();
    let cases = report.cases.load(Ordering::Relaxed);
    println!(
        "golden: {} of {cases} comparisons passed in {:.1}s",
        cases - failures.len(),
        started.elapsed().as_secs_f64()
    );
    if !failures.is_empty() {
        println!("golden: FAILED:");
        for f in &failures {
            println!("  {f}");
        }
        std::process::exit(1);
    }
}
