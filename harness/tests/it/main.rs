//! Integration tests of the harness (one binary, one module per area).
mod bad_inputs;
mod cli;
mod corpus;
mod faults;
mod fuzz;
mod hardening;
mod late;
mod ldfi;
mod races;
mod render;
mod repair;
mod report;
mod scale;
mod snapshots;
mod spec;
mod symbolic;
mod wat;
