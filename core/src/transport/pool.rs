//! Kept-alive HTTP/1.1 connections, each driven by the task that uses it.
//!
//! hyper-util's pooled client spawns every connection as a task of its own; on a multi-thread
//! runtime each request then pays two cross-thread wake-ups (caller → connection task →
//! caller), which doubled the cost of a ping against the daemon (see BENCHMARKS.md). Here the
//! caller polls the connection itself while it waits for the answer and reads the body, and
//! hands it back to the pool once the body has ended. A body dropped early drops (closes) its
//! connection, which is how a pull is cancelled.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::client::conn::http1;
use hyper::{Method, Request, Response};

use crate::transport::connect::Conn;

/// Idle connections kept per client; more are closed when they are given back.
const MAX_IDLE: usize = 32;

/// One HTTP/1.1 connection: the request side and the future that runs the protocol.
struct Http {
    sender: http1::SendRequest<Full<Bytes>>,
    conn: Pin<Box<http1::Connection<Conn, Full<Bytes>>>>,
    /// For a polled connection, the flag that makes its next read a real one (see
    /// [`crate::transport::polled::PolledStream::recheck`]).
    polled: Option<Arc<AtomicBool>>,
}

impl Http {
    /// Polls the protocol once; `true` when the connection has ended.
    fn poll_ended(&mut self, cx: &mut Context<'_>) -> bool {
        self.poll_end(cx).is_some()
    }

    /// Polls the protocol once: `Some` when the connection has ended, with its error if it
    /// failed. That error holds the I/O cause (an ssh process's exit, a TLS alert); the
    /// request's own error then only says "connection closed".
    fn poll_end(&mut self, cx: &mut Context<'_>) -> Option<Option<hyper::Error>> {
        match self.conn.as_mut().poll(cx) {
            Poll::Ready(result) => Some(result.err()),
            Poll::Pending => None,
        }
    }
}

/// Why a request failed, before any answer.
pub(crate) enum SendError {
    /// Connecting failed.
    Connect(io::Error),
    /// The HTTP exchange failed.
    Http(hyper::Error),
}

/// The idle connections of one client, shared by its clones (all of one driver, as the
/// client is).
#[derive(Default)]
pub(crate) struct Pool {
    idle: Mutex<Vec<Http>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let idle = self.idle.lock().map(|i| i.len()).unwrap_or(0);
        f.debug_struct("Pool").field("idle", &idle).finish()
    }
}

impl Pool {
    fn take_idle(&self) -> Option<Http> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    fn give_back(&self, http: Http) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(http);
        }
    }

    /// Sends `request` on an idle connection, or a new one from `connect`. An idle connection
    /// the daemon closed meanwhile is skipped. A request is sent again on another connection
    /// when hyper reports that it was never sent (canceled), or, for a GET, when the reused
    /// connection turned out closed before any answer (as Go's net/http retries idempotent
    /// requests); never a request that changes something once it may have reached the daemon
    /// (a pull or a delete must not happen twice).
    ///
    /// For a polled connection nothing watches it while idle between calls,
    /// so a GET finds out on use that the daemon closed it (and is sent again), and any other
    /// request first reads the connection once to see that it is still open.
    pub(crate) async fn send<C, F>(
        self: &Arc<Self>,
        request: Request<Full<Bytes>>,
        connect: C,
    ) -> Result<Response<ResponseBody>, SendError>
    where
        C: Fn() -> F,
        F: Future<Output = io::Result<Conn>>,
    {
        let idempotent = request.method() == Method::GET || request.method() == Method::HEAD;
        while let Some(mut http) = self.take_idle() {
            if let Some(recheck) = &http.polled
                && !idempotent
            {
                recheck.store(true, Ordering::Relaxed);
            }
            if !ready_for_request(&mut http).await {
                continue;
            }
            match exchange(&mut http, clone_request(&request)).await {
                Ok(response) => return Ok(self.wrap(response, http)),
                Err(e) if e.is_canceled() => continue,
                Err(e) if idempotent && closed_by_peer(&e) => continue,
                Err(e) => return Err(SendError::Http(e)),
            }
        }
        let io = connect().await.map_err(SendError::Connect)?;
        let polled = io.recheck();
        let (sender, conn) = http1::handshake(io).await.map_err(SendError::Http)?;
        let mut http = Http {
            sender,
            conn: Box::pin(conn),
            polled,
        };
        let response = exchange(&mut http, request).await.map_err(SendError::Http)?;
        Ok(self.wrap(response, http))
    }

    fn wrap(self: &Arc<Self>, response: Response<Incoming>, http: Http) -> Response<ResponseBody> {
        response.map(|inner| {
            let mut body = ResponseBody {
                inner,
                http: Some(http),
                pool: Arc::downgrade(self),
                failure: None,
            };
            if body.inner.is_end_stream() {
                body.finish();
            }
            body
        })
    }
}

/// Whether the daemon closed the connection before answering (its end of an idle keep-alive
/// connection, found on use).
fn closed_by_peer(error: &hyper::Error) -> bool {
    if error.is_incomplete_message() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return matches!(
                io.kind(),
                io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::UnexpectedEof
            );
        }
        source = cause.source();
    }
    false
}

/// Requests carry small, fully buffered bodies, so a copy for a retry is cheap.
fn clone_request(request: &Request<Full<Bytes>>) -> Request<Full<Bytes>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// Whether an idle connection is still open and accepts a request.
async fn ready_for_request(http: &mut Http) -> bool {
    poll_fn(|cx| {
        if http.poll_ended(cx) {
            return Poll::Ready(false);
        }
        match http.sender.poll_ready(cx) {
            Poll::Ready(result) => Poll::Ready(result.is_ok()),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// Sends the request and waits for the answer's head, driving the connection meanwhile.
async fn exchange(http: &mut Http, request: Request<Full<Bytes>>) -> hyper::Result<Response<Incoming>> {
    let mut answer = std::pin::pin!(http.sender.send_request(request));
    let conn = &mut http.conn;
    poll_fn(|cx| {
        if let Poll::Ready(result) = answer.as_mut().poll(cx) {
            return Poll::Ready(result);
        }
        // The connection ending first also ends the answer future (with an error), so poll it
        // again when that happens; the connection's own error says why.
        match conn.as_mut().poll(cx) {
            Poll::Ready(Err(failure)) => match answer.as_mut().poll(cx) {
                Poll::Ready(Ok(response)) => Poll::Ready(Ok(response)),
                _ => Poll::Ready(Err(failure)),
            },
            Poll::Ready(Ok(())) => answer.as_mut().poll(cx),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// An answer's body. Reading it drives its connection; once it has ended, the connection
/// goes back to the pool. Dropping it early closes the connection.
pub(crate) struct ResponseBody {
    inner: Incoming,
    http: Option<Http>,
    pool: std::sync::Weak<Pool>,
    /// Why the connection failed mid-body, reported instead of the body's "incomplete".
    failure: Option<hyper::Error>,
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody").finish_non_exhaustive()
    }
}

impl ResponseBody {
    fn finish(&mut self) {
        if let (Some(http), Some(pool)) = (self.http.take(), self.pool.upgrade()) {
            pool.give_back(http);
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        if let Some(http) = &mut this.http
            && let Some(failure) = http.poll_end(cx)
        {
            // The connection ended; what it delivered is in `inner`.
            this.http = None;
            this.failure = failure;
        }
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if let (Some(Err(_)), Some(failure)) = (&frame, this.failure.take()) {
            return Poll::Ready(Some(Err(failure)));
        }
        if frame.is_none() || this.inner.is_end_stream() {
            this.finish();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
