//! veille: a news and radio watch daemon for the Sahel.
//!
//! The modules follow the data's path: [`config`] says what to watch,
//! [`fetch`] gets it politely, [`sources`] parses it into entries,
//! [`enrich`] decides what is new, [`store`] keeps the durable record, and
//! [`daemon`] runs it all on schedule. The `veille` binary's `cli` sits on
//! top; the benchmarks' synthetic news comes from the `veille-corpus` crate
//! (`crates/veille-corpus/`), outside this library.

pub mod alerts;
pub mod archive;
pub mod config;
pub mod daemon;
pub mod enrich;
pub mod fetch;
pub mod server;
pub mod sources;
pub mod store;
