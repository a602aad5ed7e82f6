//! Image operations: what `docker images`, `docker search`, `docker pull` and `docker rmi`
//! do, plus inspect and tag.

use std::time::Duration;

use hyper::Method;
use hyper::header::HeaderValue;

use crate::api::options::{
    ImageFilter, ListOptions, PullOptions, PullPolicy, RemoveOptions, SearchFilter, SearchOptions, check_platform,
};
use crate::api::pull::{Local, PullStream, Started, local_for_policy, remote_digest};
use crate::api::pull_many::PullMany;
use crate::api::query::{FilterForm, Target, encode_image_path, filters_json};
use crate::api::require;
use crate::auth::{Credentials, HelperLimits, registry_key};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::{ImageInspect, ImageSummary, RemovedItem, SearchResult, removed_items};
use crate::reference::{ImageRef, validate_image_name};
use crate::retry::retrying;
use crate::runtime;
use crate::transport::decode;
use crate::version::ApiVersion;

/// The `X-Registry-Auth` header for `key`, looking up the docker configuration off the
/// async threads (it may read a file or run a credential helper). A helper gets the client's
/// [`Client::credential_helper_timeout`], and is killed when this future is dropped.
async fn auth_header(
    client: &Client,
    credentials: &Credentials,
    key: String,
) -> Result<[(&'static str, HeaderValue); 1]> {
    let (limits, _cancel_on_drop) = HelperLimits::new(client.credential_helper_timeout());
    let value = match credentials {
        Credentials::FromConfig | Credentials::FromConfigFile(_) => {
            let credentials = credentials.clone();
            runtime::run_blocking(client.transport().driver(), move || {
                credentials.header_for(&key, &limits)
            })
            .await
            .map_err(|e| Error::credentials("the credential lookup failed", e))??
        }
        other => other.header_for(&key, &limits)?,
    };
    let value = HeaderValue::from_str(&value).expect("base64url is a valid header value");
    Ok([("x-registry-auth", value)])
}

/// The index a search term goes to: its first component when that looks like a host
/// (`.` or `:` in it, or `localhost`), else Docker Hub (the daemon's `splitReposSearchTerm`).
fn search_index(term: &str) -> &str {
    match term.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => first,
        _ => "docker.io",
    }
}

/// The outcome of removing one target of [`Images::remove_many`].
#[derive(Debug)]
#[non_exhaustive]
pub struct RemoveOutcome {
    /// The name or id as given.
    pub target: String,
    /// What the daemon removed, or why it refused.
    pub result: Result<Vec<RemovedItem>>,
}

impl RemoveOutcome {
    /// The outcome of removing `target`.
    ///
    /// ```
    /// let gone = dimg::RemoveOutcome::new("x:1", Err(dimg::Error::NotFound("No such image: x:1".into())));
    /// assert!(gone.result.unwrap_err().is_not_found());
    /// ```
    pub fn new(target: impl Into<String>, result: Result<Vec<RemovedItem>>) -> RemoveOutcome {
        RemoveOutcome {
            target: target.into(),
            result,
        }
    }
}

/// What `docker rmi A B C` did: one outcome per target, in order.
///
/// # Examples
/// ```no_run
/// # async fn demo(docker: dimg::Client) {
/// let opts = dimg::RemoveOptions::new().force(true);
/// let report = docker.images().remove_many(["a:1", "b:2"], &opts).await;
/// for item in report.removed() { println!("{item}"); }
/// for error in report.errors() { eprintln!("{error}"); }
/// std::process::exit(report.exit_code());
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct RemoveReport {
    /// One outcome per target, in the order given.
    pub outcomes: Vec<RemoveOutcome>,
    /// Whether `force` was on (it changes the exit code rule).
    pub forced: bool,
}

impl RemoveReport {
    /// A report of `outcomes`, removed with or without `force`.
    ///
    /// ```
    /// let report = dimg::RemoveReport::new(vec![], false);
    /// assert_eq!(report.exit_code(), 0);
    /// ```
    pub fn new(outcomes: Vec<RemoveOutcome>, forced: bool) -> RemoveReport {
        RemoveReport { outcomes, forced }
    }

    /// Everything untagged or deleted, in order.
    pub fn removed(&self) -> impl Iterator<Item = &RemovedItem> {
        self.outcomes.iter().filter_map(|o| o.result.as_ref().ok()).flatten()
    }

    /// The errors, in order.
    pub fn errors(&self) -> impl Iterator<Item = &Error> {
        self.outcomes.iter().filter_map(|o| o.result.as_ref().err())
    }

    /// docker's exit code: 0 without errors; with force, 0 when every error is "no such
    /// image"; otherwise 1.
    pub fn exit_code(&self) -> i32 {
        let mut errors = self.errors().peekable();
        if errors.peek().is_none() || (self.forced && errors.all(Error::is_not_found)) {
            0
        } else {
            1
        }
    }
}

/// How often a list is asked again after Podman's race with a concurrent removal (waiting
/// 10, 20, ... ms in between).
const PODMAN_LIST_RETRIES: u32 = 5;

/// Image operations of a [`Client`]; get one with [`Client::images`].
#[derive(Debug, Clone, Copy)]
pub struct Images<'a> {
    pub(crate) client: &'a Client,
}

impl Client {
    /// Image operations: list, search, pull, remove, inspect, tag.
    pub fn images(&self) -> Images<'_> {
        Images { client: self }
    }
}

impl<'a> Images<'a> {
    /// `docker images`: the local images, newest first (as Docker orders them; dimg orders
    /// Podman's answer the same way).
    ///
    /// # Errors
    /// [`Error::UnsupportedOption`] for `until` (< 1.44), `shared_size` (< 1.42) or
    /// `manifests` (< 1.47); [`Error::Api`] (400) for a filter the daemon refuses; connection
    /// and protocol errors.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// use dimg::{ImageFilter, ListOptions};
    /// let dangling = docker.images().list(&ListOptions::new().filter(ImageFilter::Dangling(true))).await?;
    /// let tiny = docker.images().list(&ListOptions::new().reference("tiny:1.*")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn list(&self, options: &ListOptions) -> Result<Vec<ImageSummary>> {
        let version = self.client.api_version().await?;
        let target = list_target(version, options)?;
        let mut retries = 0;
        let mut images: Vec<ImageSummary> = loop {
            match self.client.transport().json(Method::GET, &target).await {
                // Podman's list fails when an image it is reading is removed meanwhile
                // ("locating image with ID ...: image not known"); a list changes nothing, so
                // asking again is safe.
                Err(Error::Api { status: 500, message })
                    if retries < PODMAN_LIST_RETRIES
                        && message.contains(" not known")
                        && self.client.is_podman().await? =>
                {
                    retries += 1;
                    crate::runtime::sleep(
                        self.client.transport().driver(),
                        Duration::from_millis(10 * u64::from(retries)),
                    )
                    .await;
                }
                other => break other?,
            }
        };
        // Docker answers newest first; Podman in no particular order. A stable sort keeps
        // Docker's order as it is (and costs one pass over an already sorted list).
        images.sort_by_key(|image| std::cmp::Reverse(image.created));
        Ok(images)
    }

    /// `docker search TERM`: ask the index the daemon is configured for (or the one named in
    /// the term, `host:port/name`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty term or a limit outside 1..=100 (nothing sent);
    /// [`Error::Api`] for what the daemon or the index refuse.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let hits = docker.images().search("tomcat", &dimg::SearchOptions::new().limit(10).min_stars(3)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn search(&self, term: &str, options: &SearchOptions) -> Result<Vec<SearchResult>> {
        let target = search_target(term, options)?;
        let target = self.client.versioned(&target).await?;
        let auth = auth_header(self.client, &options.credentials, registry_key(search_index(term))).await?;
        retrying(
            self.client.retry().cloned(),
            self.client.transport().driver(),
            || async {
                let (_, body) = self.client.transport().send_read(Method::GET, &target, &auth).await?;
                decode(&target, &body)
            },
        )
        .await
    }

    /// `docker pull NAME[:TAG|@DIGEST]`. The reference is parsed and normalised first; a
    /// name without tag pulls `latest`, never every tag (that is [`PullOptions::all_tags`]).
    /// Returns the stream of progress events; see [`PullStream::finish`] for the summary.
    ///
    /// Errors (an invalid reference, a tag together with `all_tags`, an unsupported
    /// platform option) are the stream's first item, before any request.
    ///
    /// With a [`PullPolicy`] other than `Always`, the local image is looked at first; a pull
    /// the policy skips is a stream that ends at once, its summary's outcome
    /// [`crate::PullOutcome::Skipped`].
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// use dimg::{PullOptions, PullOutcome, PullPolicy};
    /// let opts = PullOptions::new().policy(PullPolicy::Missing);
    /// let summary = docker.images().pull("127.0.0.1:5000/tiny:1.0", &opts).finish().await?;
    /// if summary.outcome == PullOutcome::Skipped {
    ///     println!("present already, the registry was not asked");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let summary = docker.images().pull("127.0.0.1:5000/tiny:1.0", &dimg::PullOptions::new()).finish().await?;
    /// println!("{} {:?}", summary.reference, summary.outcome);
    /// # Ok(()) }
    /// ```
    pub fn pull(&self, reference: &str, options: &PullOptions) -> PullStream {
        let request = match pull_request(reference, options) {
            Ok(request) => request,
            Err(e) => return PullStream::failed(e),
        };
        let client = self.client.clone();
        let display = request.display.clone();
        let request = std::sync::Arc::new(request);
        let restart_client = client.clone();
        PullStream::new(
            client,
            display,
            Box::new(move || Box::pin(start_pull(restart_client.clone(), request.clone()))),
        )
    }

    /// `docker pull A B C ...` at once: at most `concurrency` pulls run together, each as
    /// [`Images::pull`] with `options` (and this client's retries), with one progress over all
    /// ([`crate::PullTotals`]). Every reference is checked first: one bad reference fails the
    /// whole call before anything is sent. Otherwise one result per image, in the order given;
    /// a failed image does not stop the others.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let refs = ["127.0.0.1:5000/tiny:1.0", "127.0.0.1:5000/tiny:2.0", "127.0.0.1:5000/nosuch:1"];
    /// let results = docker.images().pull_many(refs, &dimg::PullOptions::new(), 4).finish().await?;
    /// for (reference, result) in refs.iter().zip(&results) {
    ///     match result {
    ///         Ok(summary) => println!("{reference}: {:?}", summary.outcome),
    ///         Err(e) => println!("{reference}: {e}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pull_many<I, S>(&self, references: I, options: &PullOptions, concurrency: usize) -> PullMany
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let references: Vec<String> = references.into_iter().map(|r| r.as_ref().to_string()).collect();
        let refused = if concurrency == 0 {
            Some(Error::InvalidArgument(
                "pull_many needs a concurrency of at least 1".to_string(),
            ))
        } else {
            references
                .iter()
                .find_map(|reference| pull_request(reference, options).err())
        };
        PullMany::new(self.client.clone(), references, options, concurrency, refused)
    }

    /// `docker rmi NAME|ID`: untag, and delete when the last reference goes.
    ///
    /// # Errors
    /// [`Error::InvalidReference`] for a name that is neither a reference nor an id (nothing
    /// sent); [`Error::NotFound`] (404) and [`Error::Conflict`] (409, e.g. used by a
    /// container) with the daemon's message.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// for item in docker.images().remove("zookeeper:latest", &dimg::RemoveOptions::new()).await? {
    ///     println!("{item}");        // Untagged: zookeeper:latest / Deleted: sha256:...
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn remove(&self, name: &str, options: &RemoveOptions) -> Result<Vec<RemovedItem>> {
        let name = validate_image_name(name)?;
        let target = self
            .client
            .versioned(&format!("/images/{}", encode_image_path(name)))
            .await?;
        let target = Target::new(&target)
            .flag("force", options.force)
            .flag("noprune", options.noprune)
            .into_string();
        let (_, body) = self.client.transport().send_read(Method::DELETE, &target, &[]).await?;
        removed_items(&body).map_err(|e| Error::protocol("decoding the answer to DELETE /images", e))
    }

    /// `docker rmi A B C`: removes each target in turn, going on after failures, and reports
    /// every outcome (see [`RemoveReport::exit_code`] for docker's exit code rule).
    pub async fn remove_many<I, S>(&self, names: I, options: &RemoveOptions) -> RemoveReport
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut outcomes = Vec::new();
        for name in names {
            let target = name.as_ref().to_string();
            let result = self.remove(&target, options).await;
            outcomes.push(RemoveOutcome { target, result });
        }
        RemoveReport {
            outcomes,
            forced: options.force,
        }
    }

    /// `docker image inspect NAME|ID`.
    ///
    /// # Errors
    /// [`Error::InvalidReference`] (nothing sent), [`Error::NotFound`].
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// let image = docker.images().inspect("127.0.0.1:5000/tiny:1.0").await?;
    /// println!("{} {} layers", image.id, image.root_fs.layers.len());
    /// # Ok(()) }
    /// ```
    pub async fn inspect(&self, name: &str) -> Result<ImageInspect> {
        let name = validate_image_name(name)?;
        let (policy, driver) = (self.client.retry().cloned(), self.client.transport().driver());
        retrying(policy, driver, || self.inspect_once(name)).await
    }

    /// [`Images::inspect`] without retries, for the inspects inside other calls (which have
    /// their own).
    pub(crate) async fn inspect_once(&self, name: &str) -> Result<ImageInspect> {
        let name = validate_image_name(name)?;
        let target = self
            .client
            .versioned(&format!("/images/{}/json", encode_image_path(name)))
            .await?;
        let (_, body) = self.client.transport().send_read(Method::GET, &target, &[]).await?;
        decode(&target, &body)
    }

    /// `docker tag SOURCE TARGET`: gives an image another name (`TARGET` gets `:latest` when
    /// it has no tag).
    ///
    /// # Errors
    /// [`Error::InvalidReference`] for a bad source or target, or a target with a digest;
    /// [`Error::NotFound`] when the source does not exist.
    ///
    /// ```no_run
    /// # async fn demo(docker: dimg::Client) -> dimg::Result<()> {
    /// docker.images().tag("127.0.0.1:5000/tiny:1.0", "myrepo/tiny:a").await?;
    /// # Ok(()) }
    /// ```
    pub async fn tag(&self, source: &str, target: &str) -> Result<()> {
        let source = validate_image_name(source)?;
        let new_ref = ImageRef::parse(target)?;
        if new_ref.digest().is_some() {
            return Err(Error::invalid_reference(
                target,
                "refusing to create a tag with a digest reference",
            ));
        }
        let new_ref = new_ref.with_default_tag();
        let path = self
            .client
            .versioned(&format!("/images/{}/tag", encode_image_path(source)))
            .await?;
        let request = Target::new(&path)
            .param("repo", &new_ref.name())
            .param("tag", new_ref.tag().unwrap_or("latest"))
            .into_string();
        self.client.transport().send_read(Method::POST, &request, &[]).await?;
        Ok(())
    }
}

/// One attempt of a pull: negotiation, the policy's look at the local image, credentials, and
/// the request whose answer is the progress stream.
async fn start_pull(client: Client, request: std::sync::Arc<PullRequest>) -> Result<Started> {
    let version = client.api_version().await?;
    // Refused client-side before anything else is asked (a pinned version sends no ping).
    if request.platform.is_some() {
        require("platform", ApiVersion::new(1, 32), version)?;
    }
    let podman = client.is_podman().await?;
    if request.tag.is_none() && podman {
        // Podman's compatible endpoint ignores a missing tag and pulls `latest`.
        return Err(Error::Unsupported(
            "pulling all tags (-a) is not supported by Podman's Docker-compatible API; pull each tag".to_string(),
        ));
    }
    let decision = decide(&client, &request, version, podman).await?;
    if let Decision::Skip { digest } = decision {
        return Ok(Started::Skipped { digest });
    }
    let mut target = Target::new(&format!("/v{version}/images/create")).param("fromImage", &request.from_image);
    if let Some(tag) = &request.tag {
        target = target.param("tag", tag);
    }
    if let Some(platform) = &request.platform {
        target = target.param("platform", platform);
    }
    let auth = match decision {
        Decision::Pull { auth: Some(auth) } => auth,
        _ => auth_header(&client, &request.credentials, request.auth_key.clone()).await?,
    };
    // Podman's stream never says whether anything changed: remember what the
    // reference named before, to compare once the pull is done.
    let podman_before = match podman {
        true => Some(crate::api::pull::local_id(&client, &request.display).await),
        false => None,
    };
    let response = client
        .transport()
        .send(Method::POST, &target.into_string(), &auth, None)
        .await?;
    Ok(Started::Pulling {
        body: response.into_body(),
        podman_before,
    })
}

/// The GET /images/json target for these options at this version.
fn list_target(version: ApiVersion, options: &ListOptions) -> Result<String> {
    if options.shared_size {
        require("shared-size", ApiVersion::new(1, 42), version)?;
    }
    if options.manifests {
        require("manifests", ApiVersion::new(1, 47), version)?;
    }
    if options.filters.iter().any(|f| matches!(f, ImageFilter::Until(_))) {
        require("until", ApiVersion::new(1, 44), version)?;
    }
    let mut target = Target::new(&format!("/v{version}/images/json")).flag("all", options.all);
    // Before 1.25 the reference filter was the `filter` parameter (moby's client does the same).
    let legacy_reference = version < ApiVersion::new(1, 25);
    let mut pairs = Vec::new();
    for filter in &options.filters {
        match filter {
            ImageFilter::Reference(pattern) if legacy_reference => target = target.param("filter", pattern),
            other => pairs.push((other.key(), other.value())),
        }
    }
    if let Some(json) = filters_json(pairs.into_iter(), FilterForm::Map) {
        target = target.param("filters", &json);
    }
    Ok(target
        .flag("shared-size", options.shared_size)
        .flag("manifests", options.manifests)
        .into_string())
}

/// The unversioned GET /images/search target, after checking the term and limit.
fn search_target(term: &str, options: &SearchOptions) -> Result<String> {
    if term.trim().is_empty() {
        return Err(Error::InvalidArgument("search term must not be empty".to_string()));
    }
    let mut target = Target::new("/images/search").param("term", term);
    if let Some(limit) = options.limit {
        if !(1..=100).contains(&limit) {
            return Err(Error::InvalidArgument(format!(
                "Limit {limit} is outside the range of [1, 100]"
            )));
        }
        target = target.param("limit", &limit.to_string());
    }
    let pairs = options.filters.iter().map(|f| match f {
        SearchFilter::Stars(n) => ("stars", n.to_string()),
        SearchFilter::IsOfficial(b) => ("is-official", b.to_string()),
        SearchFilter::IsAutomated(b) => ("is-automated", b.to_string()),
    });
    if let Some(json) = filters_json(pairs, FilterForm::List) {
        target = target.param("filters", &json);
    }
    Ok(target.into_string())
}

/// A pull, worked out before anything is sent.
#[derive(Debug, PartialEq, Eq)]
struct PullRequest {
    from_image: String,
    tag: Option<String>,
    platform: Option<String>,
    display: String,
    credentials: Credentials,
    /// The registry key the credentials are looked up under.
    auth_key: String,
    policy: PullPolicy,
    /// What the policy inspects locally: `name:tag`, or `name@digest` when the reference has a
    /// digest (what the daemon pulls then).
    local_name: String,
    /// The reference as docker's messages name it (`tiny:1.0`, `127.0.0.1:5000/t/p:1.0`).
    familiar: String,
    /// Whether the reference names content by digest (which cannot change).
    by_digest: bool,
}

fn pull_request(reference: &str, options: &PullOptions) -> Result<PullRequest> {
    let parsed = ImageRef::parse(reference)?;
    let platform = options.platform.as_deref().map(check_platform).transpose()?;
    let credentials = options.credentials.clone();
    let auth_key = registry_key(parsed.domain());
    let policy = options.policy;
    if options.all_tags {
        if !parsed.is_name_only() {
            return Err(Error::InvalidArgument(
                "tag can't be used with --all-tags/-a".to_string(),
            ));
        }
        // Which tags there are is only known to the registry, so "present locally" has no
        // meaning for every tag at once.
        if policy != PullPolicy::Always {
            return Err(Error::InvalidArgument(format!(
                "--policy={policy} can't be used with --all-tags/-a"
            )));
        }
        return Ok(PullRequest {
            from_image: parsed.name(),
            tag: None,
            platform,
            display: parsed.to_string(),
            credentials,
            auth_key,
            policy,
            local_name: parsed.to_string(),
            familiar: parsed.familiar_string(),
            by_digest: false,
        });
    }
    let parsed = parsed.with_default_tag();
    // A digest wins over a tag, as in the moby client; the daemon needs one of them, or it
    // would pull every tag.
    let tag = parsed.digest().or(parsed.tag()).map(str::to_string);
    let local_name = match parsed.digest() {
        Some(digest) => format!("{}@{digest}", parsed.name()),
        None => parsed.to_string(),
    };
    Ok(PullRequest {
        from_image: parsed.name(),
        tag,
        platform,
        display: parsed.to_string(),
        credentials,
        auth_key,
        policy,
        local_name,
        familiar: parsed.familiar_string(),
        by_digest: parsed.digest().is_some(),
    })
}

/// What the pull policy decided before any pull request.
enum Decision {
    /// Send the pull (`auth` is the header already looked up for the policy's own request).
    Pull {
        auth: Option<[(&'static str, HeaderValue); 1]>,
    },
    /// No pull: the local image's digest in the repository, if known.
    Skip { digest: Option<String> },
}

/// Applies the request's pull policy: looks at the local image (and, for `Newer`, at the
/// registry's digest through the daemon) and says whether to pull.
///
/// # Errors
/// [`Error::NotFound`] for `Never` and an absent image; [`Error::Unsupported`] for `Newer` on
/// Podman; [`Error::UnsupportedOption`] for `Newer` before API 1.30; what inspecting or the
/// distribution lookup fail with.
async fn decide(client: &Client, request: &PullRequest, version: ApiVersion, podman: bool) -> Result<Decision> {
    let policy = request.policy;
    if policy == PullPolicy::Always {
        return Ok(Decision::Pull { auth: None });
    }
    if policy == PullPolicy::Newer {
        if podman {
            // Podman 4.3 answers 404 "Path /v1.41/distribution/NAME/json is not supported" (a
            // plain 404 for a name with a `/`): there is no digest to compare with.
            return Err(Error::Unsupported(
                "--policy=newer is not supported by Podman's Docker-compatible API (it has no GET /distribution/{name}/json); use --policy=missing or always".to_string(),
            ));
        }
        require("policy newer", ApiVersion::new(1, 30), version)?;
    }
    let repository = ImageRef::parse(&request.display)?.name();
    let local = local_for_policy(
        client,
        &request.local_name,
        &repository,
        request.platform.as_deref(),
        &request.familiar,
    )
    .await?;
    let digests = match (policy, local) {
        (PullPolicy::Never, Local::Absent) => {
            return Err(Error::NotFound(format!("No such image: {}", request.familiar)));
        }
        (PullPolicy::Never, Local::OtherPlatform(message)) => return Err(Error::NotFound(message)),
        (_, Local::Absent | Local::OtherPlatform(_)) => return Ok(Decision::Pull { auth: None }),
        (_, Local::Present { digests }) => digests,
    };
    // The reference's own digest, when it has one, is what the local image was found by.
    let local_digest = match request.by_digest {
        true => request.tag.clone(),
        false => digests.first().cloned(),
    };
    if policy != PullPolicy::Newer || request.by_digest {
        return Ok(Decision::Skip { digest: local_digest });
    }
    let auth = auth_header(client, &request.credentials, request.auth_key.clone()).await?;
    let remote = remote_digest(client, version, &request.display, &auth).await?;
    if digests.contains(&remote) {
        Ok(Decision::Skip { digest: Some(remote) })
    } else {
        Ok(Decision::Pull { auth: Some(auth) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V141: ApiVersion = ApiVersion::new(1, 41);

    #[test]
    fn list_targets() {
        assert_eq!(list_target(V141, &ListOptions::new()).unwrap(), "/v1.41/images/json");
        let opts = ListOptions::new()
            .all(true)
            .filter(ImageFilter::Dangling(false))
            .filter(ImageFilter::Label("a=b".into()))
            .filter(ImageFilter::Label("c".into()))
            .reference("tiny:*");
        assert_eq!(
            list_target(V141, &opts).unwrap(),
            "/v1.41/images/json?all=1&filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%2C%22label%22%3A%7B%22a%3Db%22%3Atrue%2C%22c%22%3Atrue%7D%2C%22reference%22%3A%7B%22tiny%3A%2A%22%3Atrue%7D%7D"
        );
        assert_eq!(
            list_target(ApiVersion::new(1, 24), &ListOptions::new().reference("x")).unwrap(),
            "/v1.24/images/json?filter=x"
        );
    }

    #[test]
    fn list_options_newer_than_the_daemon_are_refused() {
        let err = list_target(V141, &ListOptions::new().shared_size(true)).unwrap_err();
        assert!(matches!(
            err,
            Error::UnsupportedOption {
                option: "shared-size",
                ..
            }
        ));
        let err = list_target(V141, &ListOptions::new().filter(ImageFilter::Until("10m".into()))).unwrap_err();
        assert!(matches!(err, Error::UnsupportedOption { option: "until", .. }));
        assert!(
            list_target(
                ApiVersion::new(1, 44),
                &ListOptions::new().filter(ImageFilter::Until("10m".into()))
            )
            .is_ok()
        );
        let err = list_target(ApiVersion::new(1, 46), &ListOptions::new().manifests(true)).unwrap_err();
        assert!(matches!(
            err,
            Error::UnsupportedOption {
                option: "manifests",
                ..
            }
        ));
    }

    #[test]
    fn filters_parse_like_the_cli() {
        assert_eq!(
            " Dangling = TRUE ".parse::<ImageFilter>().unwrap(),
            ImageFilter::Dangling(true)
        );
        assert_eq!(
            "before=tiny:1.0".parse::<ImageFilter>().unwrap(),
            ImageFilter::Before("tiny:1.0".into())
        );
        assert!(matches!(
            "dangling=maybe".parse::<ImageFilter>(),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!("nokey".parse::<ImageFilter>(), Err(Error::InvalidArgument(_))));
        let err = "foo=bar".parse::<ImageFilter>().unwrap_err();
        assert_eq!(err.to_string(), "invalid filter 'foo'");
        assert!("is-automated=yes".parse::<SearchFilter>().is_err());
    }

    #[test]
    fn search_targets_and_limits() {
        let t = search_target("127.0.0.1:5000/tomcat", &SearchOptions::new().limit(3).min_stars(50)).unwrap();
        assert_eq!(
            t,
            "/images/search?term=127.0.0.1%3A5000%2Ftomcat&limit=3&filters=%7B%22stars%22%3A%5B%2250%22%5D%7D"
        );
        for bad in [0, 101] {
            let err = search_target("x", &SearchOptions::new().limit(bad)).unwrap_err();
            assert_eq!(err.to_string(), format!("Limit {bad} is outside the range of [1, 100]"));
        }
        assert!(search_target(" ", &SearchOptions::new()).is_err());
    }

    #[test]
    fn pull_requests_never_pull_every_tag_by_accident() {
        let r = pull_request("zookeeper", &PullOptions::new()).unwrap();
        assert_eq!(r.from_image, "docker.io/library/zookeeper");
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(r.display, "docker.io/library/zookeeper:latest");
        let r = pull_request("127.0.0.1:5000/tiny:1.0", &PullOptions::new()).unwrap();
        assert_eq!(
            (r.from_image.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000/tiny", Some("1.0"))
        );
        let digest = "sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9";
        let r = pull_request(&format!("tiny:1.0@{digest}"), &PullOptions::new()).unwrap();
        assert_eq!(r.tag.as_deref(), Some(digest));
        let r = pull_request("127.0.0.1:5000/tiny", &PullOptions::new().all_tags(true)).unwrap();
        assert_eq!((r.tag, r.display.as_str()), (None, "127.0.0.1:5000/tiny"));
        let err = pull_request("tiny:1.0", &PullOptions::new().all_tags(true)).unwrap_err();
        assert_eq!(err.to_string(), "tag can't be used with --all-tags/-a");
        let err = pull_request("Tiny", &PullOptions::new()).unwrap_err();
        assert!(matches!(err, Error::InvalidReference { .. }));
        let r = pull_request("tiny:1", &PullOptions::new().platform("Linux/ARM64/v8")).unwrap();
        assert_eq!(r.platform.as_deref(), Some("linux/arm64/v8"));
        assert!(pull_request("tiny:1", &PullOptions::new().platform("linux//x")).is_err());
        assert!(pull_request("tiny:1", &PullOptions::new().platform("linux/amd64&x=1")).is_err());
    }

    #[test]
    fn pull_policies_are_worked_out_before_anything_is_sent() {
        let r = pull_request("127.0.0.1:5000/t/p:1.0", &PullOptions::new()).unwrap();
        assert_eq!(r.policy, PullPolicy::Always);
        let opts = PullOptions::new().policy(PullPolicy::Missing);
        let r = pull_request("tiny", &opts).unwrap();
        assert_eq!(
            (r.local_name.as_str(), r.familiar.as_str(), r.by_digest),
            ("docker.io/library/tiny:latest", "tiny:latest", false)
        );
        let digest = "sha256:9f7a179f19459c8876496434a96a2e95c64b26fa59a414ab51d6fea25f793fb9";
        let r = pull_request(&format!("127.0.0.1:5000/tiny:1.0@{digest}"), &opts).unwrap();
        assert_eq!(r.local_name, format!("127.0.0.1:5000/tiny@{digest}"));
        assert!(r.by_digest);
        for policy in [PullPolicy::Missing, PullPolicy::Never, PullPolicy::Newer] {
            let err = pull_request("tiny", &PullOptions::new().all_tags(true).policy(policy)).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("--policy={policy} can't be used with --all-tags/-a")
            );
        }
        assert!(pull_request("tiny", &PullOptions::new().all_tags(true).policy(PullPolicy::Always)).is_ok());
    }

    #[test]
    fn search_terms_name_their_index() {
        assert_eq!(search_index("tomcat"), "docker.io");
        assert_eq!(search_index("bitnami/tomcat"), "docker.io");
        assert_eq!(search_index("127.0.0.1:5000/tomcat"), "127.0.0.1:5000");
        assert_eq!(search_index("localhost/x"), "localhost");
        assert_eq!(search_index("quay.io/x/y"), "quay.io");
    }

    #[test]
    fn remove_report_exit_codes_follow_docker() {
        let ok = || RemoveOutcome {
            target: "a".into(),
            result: Ok(vec![]),
        };
        let missing = || RemoveOutcome {
            target: "b".into(),
            result: Err(Error::NotFound("No such image: b:latest".into())),
        };
        let conflict = || RemoveOutcome {
            target: "c".into(),
            result: Err(Error::Conflict("conflict".into())),
        };
        let report = |outcomes, forced| RemoveReport { outcomes, forced };
        assert_eq!(report(vec![ok()], false).exit_code(), 0);
        assert_eq!(report(vec![ok(), missing()], false).exit_code(), 1);
        assert_eq!(report(vec![ok(), missing(), missing()], true).exit_code(), 0);
        assert_eq!(report(vec![missing(), conflict()], true).exit_code(), 1);
    }
}
