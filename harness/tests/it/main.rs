//! Integration tests of the harness (one binary, one module per area).
mod bad_inputs;
mod cli;
mod corpus;
mod faults;
mod fuzz;
mod hardening;
mod ldfi;
mod repair;
mod snapshots;
mod spec;
mod symbolic;
