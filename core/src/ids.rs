//! Typed ids: a `UserId` cannot be passed where a `RoomId` is expected, nor a `Seq` where a
//! `MessageId` is (the `range(room, after, up_to, limit)` kind of swap). On the wire and in
//! PostgreSQL each is exactly the UUID or BIGINT it wraps (`#[serde(transparent)]`, and with
//! the `diesel` feature the same SQL type), so introducing them changes no byte anywhere.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What every id has, whatever it wraps: conversions, `Display`, the SQL binding and the
/// OpenAPI schema of its inner value.
macro_rules! id_impls {
    ($name:ident, $inner:ty, $sql:ty, $schema:path) => {
        impl From<$inner> for $name {
            fn from(v: $inner) -> Self {
                $name(v)
            }
        }

        impl From<$name> for $inner {
            fn from(id: $name) -> $inner {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::serialize::ToSql<$sql, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <$inner as diesel::serialize::ToSql<$sql, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        #[cfg(feature = "diesel")]
        impl diesel::deserialize::FromSql<$sql, diesel::pg::Pg> for $name {
            fn from_sql(v: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <$inner as diesel::deserialize::FromSql<$sql, diesel::pg::Pg>>::from_sql(v).map($name)
            }
        }

        #[cfg(feature = "utoipa")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $schema()
            }
        }

        #[cfg(feature = "utoipa")]
        impl utoipa::ToSchema for $name {}
    };
}

macro_rules! uuid_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Uuid))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered id (UUIDv7), as every row of Veza gets.
            pub fn new_v7() -> Self {
                $name(Uuid::now_v7())
            }

            pub const fn from_u128(v: u128) -> Self {
                $name(Uuid::from_u128(v))
            }

            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        id_impls!($name, Uuid, diesel::sql_types::Uuid, schema::uuid);
    )*};
}

macro_rules! int_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::BigInt))]
        pub struct $name(pub i64);

        impl $name {
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        id_impls!($name, i64, diesel::sql_types::BigInt, schema::int64);
    )*};
}

uuid_id! {
    /// An account.
    UserId;
    /// A chat room (public, private or direct).
    RoomId;
    /// A marketplace listing.
    ListingId;
    /// An offer on a listing.
    OfferId;
    /// A marketplace category.
    CategoryId;
    /// An uploaded track.
    TrackId;
    /// A user's playlist.
    PlaylistId;
    /// A resumable (tus) upload in progress.
    UploadId;
}

int_id! {
    /// A chat message's global id (`messages.id`).
    MessageId;
    /// A message's place in its room: 1, 2, 3, … with no gap, in commit order.
    Seq;
}

impl Seq {
    /// Before the first message of a room.
    pub const ZERO: Seq = Seq(0);
    /// Past any message (an open upper bound).
    pub const MAX: Seq = Seq(i64::MAX);

    /// The seq after this one.
    pub const fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

/// `seq + n`: the seq `n` places later.
impl std::ops::Add<i64> for Seq {
    type Output = Seq;
    fn add(self, n: i64) -> Seq {
        Seq(self.0.saturating_add(n))
    }
}

/// `seq - n`: the seq `n` places earlier.
impl std::ops::Sub<i64> for Seq {
    type Output = Seq;
    fn sub(self, n: i64) -> Seq {
        Seq(self.0.saturating_sub(n))
    }
}

impl std::ops::AddAssign<i64> for Seq {
    fn add_assign(&mut self, n: i64) {
        self.0 = self.0.saturating_add(n);
    }
}

/// `a - b`: how many places apart two seqs are.
impl std::ops::Sub for Seq {
    type Output = i64;
    fn sub(self, other: Seq) -> i64 {
        self.0.saturating_sub(other.0)
    }
}

#[cfg(feature = "utoipa")]
mod schema {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};

    pub fn uuid() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))).into()
    }

    pub fn int64() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_inner_value_on_the_wire() -> Result<(), serde_json::Error> {
        let u = UserId::from_u128(7);
        assert_eq!(serde_json::to_string(&u)?, "\"00000000-0000-0000-0000-000000000007\"");
        assert_eq!(serde_json::from_str::<UserId>("\"00000000-0000-0000-0000-000000000007\"")?, u);
        assert_eq!(serde_json::to_string(&Seq(41))?, "41");
        assert_eq!(Seq(41).next(), Seq(42));
        assert_eq!((Seq(41) + 2, Seq(41) - 1, Seq(44) - Seq(41)), (Seq(43), Seq(40), 3));
        assert_eq!(Seq::MAX + 1, Seq::MAX, "saturates");
        assert_eq!(u.to_string(), "00000000-0000-0000-0000-000000000007");
        Ok(())
    }
}
