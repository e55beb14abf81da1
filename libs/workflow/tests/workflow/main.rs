//! Integration tests of the workflow crate (one binary to keep link time low).

mod branch_matrix;
mod case_matrix;
mod codec;
mod common;
mod extension;
mod join;
mod permissions;
mod props;
mod supplement;
mod suspension;
