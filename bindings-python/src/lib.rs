//! Placeholder: the Python binding arrives with issue 4.
