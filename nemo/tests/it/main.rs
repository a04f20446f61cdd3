//! Integration tests of the nemo crate: graphs and their algebra, queries,
//! repairs, wat-provenance.

mod families;
mod fixtures;
mod graph;
mod queries;
mod repair;
mod temporal;
mod why;
