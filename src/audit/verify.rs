//! `veza admin audit verify`: the chain read in `chain_seq` order, each row's hash recomputed by
//! PostgreSQL (the same function the insert trigger used, so no text round trip can raise a false
//! alarm), each link and step checked here, the head row compared with the last row; then every
//! stored anchor (its row's hash, its signature) and the anchors given from outside.

use super::anchor::{AnchorKeys, AnchorRefused};
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
    /// Stored anchors checked, signature included.
    pub anchors: u64,
    /// Stored anchors whose key is gone: their row's hash checked, not their signature.
    pub anchors_key_gone: u64,
    /// Anchors given from outside, checked.
    pub outside: usize,
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
    #[error("anchor {id} vouches for row {seq}, past the chain's end ({last}): rows at the end were removed")]
    PastEnd { id: i64, seq: i64, last: i64 },
    #[error("anchor {id} vouches for row {seq} with another hash: the chain was rewritten up to there")]
    Rewritten { id: i64, seq: i64 },
    #[error("anchor {id}'s signature does not vouch for what it says: a forged anchor")]
    Forged { id: i64 },
    #[error("the anchor given vouches for row {seq}, and the chain {why}: it was rewritten or cut")]
    OutsideMismatch { seq: i64, why: &'static str },
    #[error("the anchor given cannot be checked: {0}")]
    OutsideUnchecked(AnchorRefused),
    #[error("reading the chain: {0}")]
    Db(#[from] diesel::result::Error),
}

/// Checks the whole chain, the stored anchors (signatures when `keys` are given) and `outside`
/// anchor tokens (need `keys`); the first break as the error.
pub async fn verify(
    conn: &mut AsyncPgConnection,
    keys: Option<&dyn AnchorKeys>,
    outside: &[String],
) -> Result<Verified, Broken> {
    // One snapshot: rows and anchors appended meanwhile by the nodes are neither half-read nor
    // taken for a head past the chain's end.
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(async |conn| in_snapshot(conn, keys, outside).await)
        .await
}

async fn in_snapshot(
    conn: &mut AsyncPgConnection,
    keys: Option<&dyn AnchorKeys>,
    outside: &[String],
) -> Result<Verified, Broken> {
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
    let (anchors, anchors_key_gone) = stored_anchors(conn, keys, last_seq).await?;
    for token in outside {
        outside_anchor(conn, keys, token).await?;
    }
    Ok(Verified { rows: last_seq, head: hex::encode(&last_hash), anchors, anchors_key_gone, outside: outside.len() })
}

/// Each stored anchor names a row that exists with its hash, and (keys given) is signed so.
async fn stored_anchors(
    conn: &mut AsyncPgConnection,
    keys: Option<&dyn AnchorKeys>,
    last: i64,
) -> Result<(u64, u64), Broken> {
    let (mut after, mut checked, mut key_gone) = (0, 0, 0);
    loop {
        let batch = repo::anchors_after(conn, after, BATCH).await?;
        let done = (batch.len() as i64) < BATCH;
        for a in batch {
            after = a.id;
            if a.seq > last {
                return Err(Broken::PastEnd { id: a.id, seq: a.seq, last });
            }
            if a.row_hash.as_deref() != Some(a.hash.as_slice()) {
                return Err(Broken::Rewritten { id: a.id, seq: a.seq });
            }
            let Some(keys) = keys else { continue };
            match keys.open(&a.token) {
                Ok(head) if head.seq == a.seq && head.hash == hex::encode(&a.hash) => checked += 1,
                Err(AnchorRefused::KeyGone) => key_gone += 1,
                _ => return Err(Broken::Forged { id: a.id }),
            }
        }
        if done {
            return Ok((checked, key_gone));
        }
    }
}

/// An anchor kept outside the database: its signature holds and its row is still there, unchanged.
async fn outside_anchor(
    conn: &mut AsyncPgConnection,
    keys: Option<&dyn AnchorKeys>,
    token: &str,
) -> Result<(), Broken> {
    let keys = keys.ok_or(Broken::OutsideUnchecked(AnchorRefused::KeyGone))?;
    let head = keys.open(token.trim()).map_err(Broken::OutsideUnchecked)?;
    match repo::hash_at(conn, head.seq).await? {
        None => Err(Broken::OutsideMismatch { seq: head.seq, why: "has no such row" }),
        Some(h) if hex::encode(&h) != head.hash => {
            Err(Broken::OutsideMismatch { seq: head.seq, why: "holds another hash there" })
        }
        Some(_) => Ok(()),
    }
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
