//! Placeholder: the example CLI arrives with issue 3.
