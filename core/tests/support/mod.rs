//! Test support shared by the integration tests.
pub mod engine;
pub mod fake_daemon;
