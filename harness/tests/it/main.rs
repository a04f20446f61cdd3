//! Integration tests of the harness (one binary, one module per area).
mod cli;
mod corpus;
mod hardening;
mod ldfi;
mod repair;
mod spec;
mod symbolic;
