//! Placeholder: the C binding arrives with issue 5.
