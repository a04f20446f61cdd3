//! Integration tests of the dedalus crate (one binary, one module per area).
mod check;
mod eval;
mod props;
mod syntax;
