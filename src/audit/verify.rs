//! `veza admin audit verify`: the chain read in `chain_seq` order, each row's hash recomputed by
//! PostgreSQL (the same function the insert trigger used, so no text round trip can raise a false
//! alarm), each link and step checked here, and the head row compared with the last row.

use super::repo::{self, Link};
use diesel_async::AsyncPgConnection;

/// Rows read per statement.
const BATCH: i64 = 10_000;

/// The hash the first row links to.
pub const GENESIS: [u8; 32] = [0; 32];

/// A chain that holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verified {
    /// Rows checked; the last one's `chain_seq` (the chain is gapless from 1).
    pub rows: i64,
    /// The last row's hash, hex.
    pub head: String,
}

/// Where the chain breaks: the first broken row, named.
#[derive(Debug, thiserror::Error)]
pub enum Broken {
    #[error("row {seq} (id {id}) was changed after it was written: its hash does not match its content")]
    Altered { seq: i64, id: i64 },
    #[error("row {seq} (id {id}) does not link to the row before it: rows were removed or rewritten before it")]
    Unlinked { seq: i64, id: i64 },
    #[error("rows {from}..={to} are missing: row {next} (id {id}) follows row {before}")]
    Missing { from: i64, to: i64, before: i64, next: i64, id: i64 },
    #[error("the chain ends at row {last} but its head says {head}: rows at the end were removed")]
    Truncated { last: i64, head: i64 },
    #[error("the chain's head row is missing or does not match the last row ({last})")]
    Head { last: i64 },
    #[error("reading the chain: {0}")]
    Db(#[from] diesel::result::Error),
}

/// Checks the whole chain; the first broken row as the error.
pub async fn verify(conn: &mut AsyncPgConnection) -> Result<Verified, Broken> {
    let (mut last_seq, mut last_hash) = (0i64, GENESIS.to_vec());
    loop {
        let batch = repo::links_after(conn, last_seq, BATCH).await?;
        let done = (batch.len() as i64) < BATCH;
        for row in batch {
            check(&row, last_seq, &last_hash)?;
            (last_seq, last_hash) = (row.chain_seq, row.hash);
        }
        if done {
            break;
        }
    }
    match repo::head(conn).await? {
        Some((seq, _)) if seq > last_seq => return Err(Broken::Truncated { last: last_seq, head: seq }),
        Some((seq, hash)) if seq == last_seq && hash == last_hash => {}
        _ => return Err(Broken::Head { last: last_seq }),
    }
    Ok(Verified { rows: last_seq, head: hex::encode(&last_hash) })
}

/// One row against the row before it.
fn check(row: &Link, before: i64, before_hash: &[u8]) -> Result<(), Broken> {
    let (seq, id) = (row.chain_seq, row.id);
    if row.expected != row.hash {
        return Err(Broken::Altered { seq, id });
    }
    if seq != before + 1 {
        return Err(Broken::Missing { from: before + 1, to: seq - 1, before, next: seq, id });
    }
    if row.prev_hash != before_hash {
        return Err(Broken::Unlinked { seq, id });
    }
    Ok(())
}
