//! Integration tests of the harness (one binary, one module per area).
mod bad_inputs;
mod cli;
mod corpus;
mod fuzz;
mod hardening;
mod ldfi;
mod repair;
mod report;
mod scale;
mod snapshots;
mod spec;
mod symbolic;
