//! PostgreSQL: the pool (diesel-async over bb8), database creation and embedded migrations,
//! and the tables no feature owns (idempotency records, the mail outbox, expired rows).
//! No libpq: diesel-async talks to PostgreSQL through tokio-postgres.

mod error;
pub mod expired;
pub mod idempotency;
pub mod migrate;
pub mod outbox;
mod pool;
pub mod schema;
pub mod sql;

pub use error::DbError;
pub use pool::{DbPool, PoolStats, PooledConn, build_pool, checkout, ping};

/// Stores an enum with `as_str()` and `parse(&str) -> Option<Self>` in a `text` column (the
/// enum derives `diesel::expression::AsExpression` and `diesel::deserialize::FromSqlRow` with
/// `#[diesel(sql_type = diesel::sql_types::Text)]`). A value the enum does not know is an error
/// when read, not a silent default.
#[macro_export]
macro_rules! text_column {
    ($ty:ty) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn from_sql(v: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg>>::from_sql(v)?;
                <$ty>::parse(&s).ok_or_else(|| format!("unknown {} `{s}`", stringify!($ty)).into())
            }
        }
    };
}
