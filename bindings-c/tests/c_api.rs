//! The C test programs (`tests/c/*.c`) against the real private engine of
//! `scripts/engine.sh`, and the example (`examples/c/dimg-images.c`) built from an installed
//! libdimg through pkg-config.
//!
//! Each program is compiled with `cc -std=c11 -Wall -Wextra -Wpedantic -Werror` twice: with
//! AddressSanitizer and UBSan (any report fails the run), and plainly to run under
//! `valgrind --error-exitcode=1 --leak-check=full` (with tests/valgrind.supp, two false
//! positives in ring's AES-GCM assembly); every program is also compiled as C++. They
//! link the static library cargo builds for this package (built here with a nested
//! `cargo build -p dimg-c`, since cargo builds only the rlib for integration tests).
//!
//! Needs DIMG_TEST_DOCKER_HOST, DIMG_TEST_REGISTRY, DIMG_TEST_INDEX and DIMG_TEST_MIRROR
//! (`eval "$(scripts/engine.sh env)"`), the docker CLI, a C/C++ compiler, valgrind, make and
//! pkg-config. Missing ones fail the tests with a message; nothing is skipped.
//!
//! transports.c (TLS, ssh://, contexts) also needs the TLS and ssh variables of the engine
//! (TRANSPORT_VARS) and runs with `$DIMG_TEST_SSH_BIN` first on PATH, so that `ssh` is the
//! engine's wrapper (its private config and keys, never ~/.ssh).
//!
//! Images: list.c and the example use $DIMG_TEST_REGISTRY/t/p38 (one at a time), rmi.c t/p39,
//! pull.c t/p40, transports.c t/p28 (on the TLS daemon) and t/p29 (through ssh); each removes
//! what it pulled. prune.c imports its own images, labelled with its process id, and prunes
//! only those. pull_many.c owns many-c/m1..m8 (and the missing m9), directly and through the
//! fault proxy (`DIMG_TEST_FAULT_PROXY`, its rules scoped to `/many-c/`), with their sizes and
//! digests from `DIMG_TEST_SEED`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

const ENGINE_VARS: [&str; 4] = [
    "DIMG_TEST_DOCKER_HOST",
    "DIMG_TEST_REGISTRY",
    "DIMG_TEST_INDEX",
    "DIMG_TEST_MIRROR",
];

/// What transports.c needs besides ENGINE_VARS.
const TRANSPORT_VARS: [&str; 11] = [
    "DIMG_TEST_TCP_HOST",
    "DIMG_TEST_TLS_HOST",
    "DIMG_TEST_TLS_SOCKET",
    "DIMG_TEST_TLS_CERTS",
    "DIMG_TEST_TLS_WRONG_CA",
    "DIMG_TEST_SSH_HOST",
    "DIMG_TEST_SSH_BIN",
    "DIMG_TEST_SSH_UNREACHABLE",
    "DIMG_TEST_SSH_HOST_BAD_KEY",
    "DIMG_TEST_SSH_HOST_UNKNOWN_KEY",
    "DIMG_TEST_SSH_HOST_NO_DOCKER",
];

const WARNINGS: [&str; 5] = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"];
const SANITIZERS: [&str; 3] = [
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];
/// What linking libdimg.a needs besides libc (`rustc --print native-static-libs`).
const NATIVE_LIBS: [&str; 6] = ["-lpthread", "-ldl", "-lm", "-lrt", "-lutil", "-lgcc_s"];

/// list.c and the example both pull and remove t/p38.
static P38: Mutex<()> = Mutex::new(());

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn engine_env() {
    require(&ENGINE_VARS);
}

fn require(vars: &[&str]) {
    let missing: Vec<&str> = vars
        .iter()
        .copied()
        .filter(|v| std::env::var_os(v).is_none_or(|x| x.is_empty()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} not set: the C API tests run against the private engine. Run scripts/test.sh, or \
         `eval \"$(scripts/engine.sh up)\"` (or `... env` when it is up) and then cargo test -p dimg-c",
        missing.join(", ")
    );
}

fn var(name: &str) -> String {
    engine_env();
    std::env::var(name).unwrap()
}

fn run(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e} (is it installed?)", command.get_program()));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Where the test binary was built: `<target>/<profile>/deps/c_api-*`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_path_buf()
}

/// The cargo profile of this build, from its directory name.
fn profile() -> String {
    match profile_dir().file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".to_string(),
        Some(other) => other.to_string(),
        None => "dev".to_string(),
    }
}

/// Builds libdimg.a / libdimg.so for this profile (once per test run); returns their directory.
fn library() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = profile_dir();
        let target_dir = dir.parent().unwrap();
        run(
            Command::new(env!("CARGO"))
                .args(["build", "--quiet", "-p", "dimg-c", "--profile", &profile()])
                .arg("--target-dir")
                .arg(target_dir)
                .current_dir(crate_dir()),
            "cargo build -p dimg-c",
        );
        for lib in ["libdimg.a", "libdimg.so"] {
            assert!(dir.join(lib).is_file(), "{} was not built", dir.join(lib).display());
        }
        dir
    })
}

/// A directory for this run's binaries.
fn out_dir() -> PathBuf {
    let dir = profile_dir().join("dimg-c-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[derive(Clone, Copy, PartialEq)]
enum Flavour {
    Sanitized,
    Plain,
}

/// Compiles `tests/c/<name>.c` against the static library.
fn compile(name: &str, flavour: Flavour) -> PathBuf {
    let source = crate_dir().join(format!("tests/c/{name}.c"));
    let suffix = if flavour == Flavour::Sanitized { "asan" } else { "plain" };
    let binary = out_dir().join(format!("{name}-{suffix}"));
    let mut cc = Command::new("cc");
    cc.args(WARNINGS).args(["-g", "-O0", "-pthread"]);
    if flavour == Flavour::Sanitized {
        cc.args(SANITIZERS);
    }
    cc.arg("-I")
        .arg(crate_dir().join("include"))
        .arg(&source)
        .arg(library().join("libdimg.a"))
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(&binary);
    run(&mut cc, &format!("cc {name}.c ({suffix})"));
    binary
}

/// Compiles a C file as C++ (syntax only): the header and the programs stay C++-clean.
fn compile_as_cxx(source: &Path) {
    run(
        Command::new("c++")
            .args([
                "-x",
                "c++",
                "-std=c++17",
                "-Wall",
                "-Wextra",
                "-Wpedantic",
                "-Werror",
                "-fsyntax-only",
            ])
            .arg("-I")
            .arg(crate_dir().join("include"))
            .arg(source),
        &format!("c++ {}", source.display()),
    );
}

fn report(name: &str, how: &str, started: Instant, output: &Output) {
    eprintln!(
        "{name} ({how}) passed in {:.1}s:\n{}",
        started.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&output.stdout).trim_end()
    );
}

/// Compiles `tests/c/<name>.c`, runs it with ASan + UBSan, then under valgrind.
fn c_program(name: &str) {
    c_program_with(name, &[]);
}

/// [`c_program`] with more environment variables for the program.
fn c_program_with(name: &str, env: &[(&str, String)]) {
    engine_env();
    compile_as_cxx(&crate_dir().join(format!("tests/c/{name}.c")));

    let sanitized = compile(name, Flavour::Sanitized);
    let started = Instant::now();
    let output = run(
        Command::new(&sanitized)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=23")
            .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
        &format!("{name} with AddressSanitizer and UBSan"),
    );
    report(name, "ASan + UBSan", started, &output);

    let plain = compile(name, Flavour::Plain);
    let started = Instant::now();
    let output = run(
        Command::new("valgrind")
            .args(["--error-exitcode=1", "--leak-check=full", "--quiet"])
            .arg(format!(
                "--suppressions={}",
                crate_dir().join("tests/valgrind.supp").display()
            ))
            .arg(&plain)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("DIMG_TEST_VALGRIND", "1"),
        &format!("{name} under valgrind"),
    );
    report(name, "valgrind", started, &output);
}

#[test]
fn errors_every_result_code() {
    c_program("errors");
}

#[test]
fn null_and_invalid_utf8_arguments() {
    c_program("null_args");
}

#[test]
fn list_with_every_option() {
    let _p38 = P38.lock().unwrap_or_else(|e| e.into_inner());
    c_program("list");
}

#[test]
fn search_with_filters() {
    c_program("search");
}

#[test]
fn pull_with_progress_and_cancellation() {
    c_program("pull");
}

/// What pull_many.c needs besides ENGINE_VARS: the seed's digests and sizes, the fault proxy.
const PULL_MANY_VARS: [&str; 2] = ["DIMG_TEST_SEED", "DIMG_TEST_FAULT_PROXY"];

#[test]
fn pull_many_retries_and_per_call_timeouts() {
    require(&PULL_MANY_VARS);
    c_program("pull_many");
}

#[test]
fn rmi_single_many_force_conflict() {
    c_program("rmi");
}

#[test]
fn prune_dangling_then_all_by_label() {
    c_program("prune");
}

#[test]
fn two_hundred_concurrent_operations_from_threads() {
    c_program("load");
}

#[test]
fn the_same_calls_against_podman() {
    c_program("podman");
}

#[test]
fn threads_fork_and_daemon_info() {
    c_program("threads");
}

#[test]
fn tls_ssh_and_contexts() {
    require(&TRANSPORT_VARS);
    // `ssh` must be the engine's wrapper, as scripts/test.sh arranges; set here too, so that
    // `cargo test` from a shell that only loaded the engine's variables works the same.
    let path = std::env::var("PATH").unwrap_or_default();
    let path = format!("{}:{path}", var("DIMG_TEST_SSH_BIN"));
    c_program_with("transports", &[("PATH", path)]);
}

/// Every function of dimg.h is called with NULL (and bad UTF-8) by null_args.c.
#[test]
fn null_args_covers_every_function() {
    let header = std::fs::read_to_string(crate_dir().join("include/dimg.h")).unwrap();
    let program = std::fs::read_to_string(crate_dir().join("tests/c/null_args.c")).unwrap();
    let mut functions = Vec::new();
    for line in header
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with("typedef"))
    {
        if let Some(open) = line.find('(') {
            if let Some(name) = line[..open]
                .rsplit([' ', '*'])
                .next()
                .filter(|n| n.starts_with("dimg_"))
            {
                functions.push(name.to_string());
            }
        }
    }
    assert!(
        functions.len() > 140,
        "only {} functions found in dimg.h",
        functions.len()
    );
    let missing: Vec<&String> = functions
        .iter()
        .filter(|f| !program.contains(&format!("{f}(")))
        .collect();
    assert!(missing.is_empty(), "null_args.c does not call {missing:?}");
}

/// `make install` into a temporary prefix, then the example built exactly as a user would:
/// `cc dimg-images.c $(pkg-config --cflags --libs dimg)`, run against the engine and compared
/// with `docker images`.
#[test]
fn example_builds_from_the_installed_library_and_prints_the_docker_table() {
    engine_env();
    let _p38 = P38.lock().unwrap_or_else(|e| e.into_inner());
    let prefix = out_dir().join("prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    run(
        Command::new("make")
            .arg("-C")
            .arg(crate_dir())
            .arg("install")
            .arg(format!("PREFIX={}", prefix.display()))
            .arg(format!("PROFILE={}", profile()))
            .arg(format!("CARGO={}", env!("CARGO")))
            .arg(format!("TARGET_DIR={}", profile_dir().parent().unwrap().display())),
        "make install",
    );
    for file in [
        "lib/libdimg.so",
        "lib/libdimg.a",
        "include/dimg.h",
        "lib/pkgconfig/dimg.pc",
    ] {
        assert!(prefix.join(file).is_file(), "make install did not install {file}");
    }

    let example = crate_dir().join("../examples/c/dimg-images.c");
    compile_as_cxx(&example);
    let binary = out_dir().join("dimg-images");
    run(
        Command::new("sh")
            .arg("-c")
            .arg(r#"cc -std=c11 -Wall -Wextra -Wpedantic -Werror "$1" $(pkg-config --cflags --libs dimg) -o "$2""#)
            .arg("sh")
            .arg(&example)
            .arg(&binary)
            .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")),
        "cc examples/c/dimg-images.c $(pkg-config --cflags --libs dimg)",
    );

    let docker_host = var("DIMG_TEST_DOCKER_HOST");
    let p38 = format!("{}/t/p38:1.0", var("DIMG_TEST_REGISTRY"));
    let repository = format!("{}/t/p38", var("DIMG_TEST_REGISTRY"));
    let docker = |args: &[&str]| {
        let out = run(
            Command::new("docker").args(args).env("DOCKER_HOST", &docker_host),
            &format!("docker {args:?}"),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let images = |args: &[&str]| {
        let out = run(
            Command::new(&binary)
                .args(args)
                .env("DOCKER_HOST", &docker_host)
                .env("LD_LIBRARY_PATH", prefix.join("lib")),
            "dimg-images",
        );
        String::from_utf8(out.stdout).unwrap()
    };

    docker(&["pull", "--quiet", &p38]);
    let id = docker(&["image", "inspect", "--format", "{{.Id}}", &p38]);
    let short_id = &id.trim().trim_start_matches("sha256:")[..12];

    let everything = images(&[]);
    let header = everything.lines().next().unwrap_or_default();
    let columns: Vec<&str> = header.split("   ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(
        columns,
        ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
        "{header:?}"
    );
    let row = everything
        .lines()
        .find(|l| l.starts_with(&format!("{repository} ")))
        .unwrap_or_else(|| panic!("no row for {repository}:\n{everything}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..3], [repository.as_str(), "1.0", short_id], "{row}");
    // The image is 18 bytes of content; Podman reports the size of its storage.
    let size = if std::env::var("DIMG_TEST_ENGINE").as_deref() == Ok("podman") {
        "11.5kB"
    } else {
        "18B"
    };
    assert!(row.ends_with(size), "{row}");

    // Byte for byte what the docker CLI prints for the same image.
    assert_eq!(images(&[&repository]), docker(&["images", &repository]));
    assert_eq!(
        images(&["-f", &format!("reference={repository}:*")]),
        docker(&["images", "-f", &format!("reference={repository}:*")])
    );

    docker(&["rmi", &p38]);
    let after = images(&[&repository]);
    assert_eq!(
        after.lines().count(),
        1,
        "only the header once the image is gone:\n{after}"
    );
}
