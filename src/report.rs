//! Reports: the console summary table, report.md, charts, the rebuild of a
//! run from its CSVs alone, and comparisons across runs. Nothing here talks
//! to an engine: the records are the only input.

mod charts;
mod compare;
mod compare_exports;
mod compare_fleet;
mod compare_reference;
mod criu_table;
#[cfg(test)]
pub(crate) mod fleet_fixture;
mod fleet_table;
mod markdown;
mod markdown_table;
mod outputs;
mod rebuild;
mod series;
mod soak_growth;
mod soak_table;
mod table;

pub use compare::{compare, CompareOutputs};
pub use fleet_table::workload_memory_mib;
pub use markdown::REPORT_MD;
pub use outputs::write_all;
pub use rebuild::{rebuild, rebuild_summary};
pub use table::console_table;
