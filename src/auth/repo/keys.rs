//! The signing_keys table: the keys that still verify, and rotation under an advisory lock.

use crate::db::schema::signing_keys;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Advisory-lock key for rotation ("vezakeys").
const ROTATE_LOCK: i64 = 0x7665_7a61_6b65_7973;

#[derive(Queryable, Selectable, Insertable, Clone)]
#[diesel(table_name = signing_keys)]
pub struct KeyRow {
    pub kid: String,
    pub private_der: Vec<u8>,
    pub public_key: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub sign_until: DateTime<Utc>,
    pub verify_until: DateTime<Utc>,
}

/// Every key that still verifies at `now`.
pub async fn verifying_keys(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<Vec<KeyRow>> {
    signing_keys::table.filter(signing_keys::verify_until.gt(now)).select(KeyRow::as_select()).load(conn).await
}

/// Takes the rotation lock for the current transaction; false when another node holds it.
pub async fn try_rotation_lock(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = Bool)]
        locked: bool,
    }
    let lock: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
        .bind::<BigInt, _>(ROTATE_LOCK)
        .get_result(conn)
        .await?;
    Ok(lock.locked)
}

/// Until when the newest key signs (`None`: no key yet).
pub async fn newest_sign_until(conn: &mut AsyncPgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    signing_keys::table.select(diesel::dsl::max(signing_keys::sign_until)).first(conn).await
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &KeyRow) -> QueryResult<()> {
    diesel::insert_into(signing_keys::table).values(row).execute(conn).await.map(|_| ())
}

/// Deletes the keys that stopped verifying before `before`.
pub async fn forget_retired(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(signing_keys::table.filter(signing_keys::verify_until.lt(before))).execute(conn).await
}

/// Ends a key's signing and verifying at `at`.
pub async fn retire(conn: &mut AsyncPgConnection, kid: &str, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(signing_keys::table.find(kid))
        .set((signing_keys::sign_until.eq(at), signing_keys::verify_until.eq(at)))
        .execute(conn)
        .await
        .map(|_| ())
}
