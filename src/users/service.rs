//! The users service: an actor per HTTP worker delegating to `UserCore`.

use super::blocking::ensure_can_reach;
use super::model::*;
use super::repo::{self, ProfileRow};
use crate::activity::{self, ActivityItem};
use crate::auth::model::UserStatus;
use crate::db::{PooledConn, checkout};
use crate::search::changes::Kind;
use crate::service::{Core, Service};
use crate::state::AppState;
use actix::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use veza_core::Code;
use veza_core::UserId;

pub struct UserCore {
    pub state: AppState,
}

/// The users service actor (one per HTTP worker).
pub type UserService = Service<UserCore>;

impl Core for UserCore {
    fn new(state: AppState) -> Self {
        UserCore { state }
    }
}

#[derive(Debug, Message)]
#[rtype(result = "Result<PublicProfile, UserError>")]
pub struct GetProfile {
    pub key: String,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<OwnProfile, UserError>")]
pub struct GetOwnProfile {
    pub user: UserId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<OwnProfile, UserError>")]
pub struct UpdateProfile {
    pub user: UserId,
    pub patch: ProfilePatch,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<serde_json::Value, UserError>")]
pub struct GetPreferences {
    pub user: UserId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<serde_json::Value, UserError>")]
pub struct PutPreferences {
    pub user: UserId,
    pub preferences: serde_json::Value,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<FriendsView, UserError>")]
pub struct ListFriends {
    pub user: UserId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), UserError>")]
pub struct SendFriendRequest {
    pub from: UserId,
    pub to: String,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), UserError>")]
pub struct AcceptFriend {
    pub user: UserId,
    pub requester: UserId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), UserError>")]
pub struct RemoveFriend {
    pub user: UserId,
    pub other: UserId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), UserError>")]
pub struct Block {
    pub user: UserId,
    pub target: String,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<(), UserError>")]
pub struct Unblock {
    pub user: UserId,
    pub target: String,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<BlockEntry>, UserError>")]
pub struct ListBlocks {
    pub user: UserId,
}

#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<ActivityItem>, UserError>")]
pub struct ListActivity {
    pub user: UserId,
    pub before: Option<i64>,
    pub limit: i64,
}

crate::delegate_to_core!(UserCore {
    GetProfile => get_profile,
    GetOwnProfile => get_own_profile,
    UpdateProfile => update_profile,
    GetPreferences => get_preferences,
    PutPreferences => put_preferences,
    ListFriends => list_friends,
    SendFriendRequest => send_friend_request,
    AcceptFriend => accept_friend,
    RemoveFriend => remove_friend,
    Block => block,
    Unblock => unblock,
    ListBlocks => list_blocks,
    ListActivity => list_activity,
});

fn own(p: ProfileRow) -> OwnProfile {
    OwnProfile {
        id: p.id.uuid(),
        username: p.username,
        email: p.email,
        display_name: p.display_name,
        bio: p.bio,
        avatar_url: p.avatar_url,
        location: p.location,
        created_at: p.created_at,
    }
}

impl UserCore {
    async fn conn(&self) -> Result<PooledConn<'_>, UserError> {
        Ok(checkout(&self.state.pool).await?)
    }

    /// An active user by id or username; others do not exist for the API.
    async fn resolve(conn: &mut AsyncPgConnection, key: &str) -> Result<ProfileRow, UserError> {
        repo::profile_by_key(conn, key).await?.filter(|p| p.status == UserStatus::Active).ok_or(UserError::NotFound)
    }

    pub async fn get_profile(&self, m: GetProfile) -> Result<PublicProfile, UserError> {
        let load = async {
            let mut conn = self.conn().await?;
            let p = Self::resolve(&mut conn, &m.key).await?;
            Ok::<_, UserError>(Some(p.public()))
        };
        self.state.cache.get_or_load(&profile_cache_key(&m.key), load).await?.ok_or(UserError::NotFound)
    }

    pub async fn get_own_profile(&self, m: GetOwnProfile) -> Result<OwnProfile, UserError> {
        let mut conn = self.conn().await?;
        repo::profile(&mut conn, m.user).await?.map(own).ok_or(UserError::NotFound)
    }

    pub async fn update_profile(&self, m: UpdateProfile) -> Result<OwnProfile, UserError> {
        let changes = m.patch.validate()?;
        let mut conn = self.conn().await?;
        let row = repo::update_profile(&mut conn, m.user, changes).await?.ok_or(UserError::NotFound)?;
        self.state.cache.invalidate(&profile_cache_key(&row.id.to_string()));
        self.state.cache.invalidate(&profile_cache_key(&row.username));
        activity::record(&mut conn, m.user, "profile.updated", json!({})).await?;
        self.state.search.wrote(Kind::User, m.user.uuid()).await;
        Ok(own(row))
    }

    pub async fn get_preferences(&self, m: GetPreferences) -> Result<serde_json::Value, UserError> {
        let mut conn = self.conn().await?;
        repo::preferences(&mut conn, m.user).await?.ok_or(UserError::NotFound)
    }

    pub async fn put_preferences(&self, m: PutPreferences) -> Result<serde_json::Value, UserError> {
        if !m.preferences.is_object() {
            return Err(UserError::Invalid { field: "preferences", message: "must be a JSON object".into() });
        }
        let mut conn = self.conn().await?;
        repo::set_preferences(&mut conn, m.user, &m.preferences).await?;
        Ok(m.preferences)
    }

    pub async fn list_friends(&self, m: ListFriends) -> Result<FriendsView, UserError> {
        let mut conn = self.conn().await?;
        let (friends, incoming, outgoing) = repo::split_relations(repo::relations(&mut conn, m.user).await?);
        Ok(FriendsView { friends, incoming, outgoing })
    }

    pub async fn send_friend_request(&self, m: SendFriendRequest) -> Result<(), UserError> {
        let mut conn = self.conn().await?;
        let to = Self::resolve(&mut conn, &m.to).await?;
        if to.id == m.from {
            return Err(UserError::Invalid { field: "id", message: "you cannot befriend yourself".into() });
        }
        ensure_can_reach(&mut conn, m.from, to.id).await?;
        let from = m.from;
        conn.transaction::<(), UserError, _>(async |conn| {
            match repo::relation(conn, from, to.id).await? {
                Some((_, status)) if status == "accepted" => {
                    return Err(UserError::Conflict(Code::AlreadyFriends, "you are already friends".into()));
                }
                Some(_) => {
                    return Err(UserError::Conflict(Code::RequestPending, "a request is already pending".into()));
                }
                None => {}
            }
            repo::insert_request(conn, from, to.id).await.map_err(|e| match e {
                // A concurrent request between the same two users.
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                    UserError::Conflict(Code::RequestPending, "a request is already pending".into())
                }
                e => e.into(),
            })?;
            activity::record(conn, from, "friend.requested", json!({ "to": to.id })).await?;
            activity::record(conn, to.id, "friend.request_received", json!({ "from": from })).await?;
            Ok(())
        })
        .await?;
        // A live hint to the addressee's connections; the list itself is over REST.
        self.state.realtime.push_user(to.id, "friend.request", json!({ "from": from }));
        Ok(())
    }

    pub async fn accept_friend(&self, m: AcceptFriend) -> Result<(), UserError> {
        let mut conn = self.conn().await?;
        conn.transaction::<(), UserError, _>(async |conn| {
            if !repo::accept(conn, m.requester, m.user).await? {
                return Err(UserError::NotFound);
            }
            activity::record(conn, m.user, "friend.accepted", json!({ "friend": m.requester })).await?;
            activity::record(conn, m.requester, "friend.accepted", json!({ "friend": m.user })).await?;
            Ok(())
        })
        .await
    }

    pub async fn remove_friend(&self, m: RemoveFriend) -> Result<(), UserError> {
        let mut conn = self.conn().await?;
        if !repo::remove_relation(&mut conn, m.user, m.other).await? {
            return Err(UserError::NotFound);
        }
        activity::record(&mut conn, m.user, "friend.removed", json!({ "other": m.other })).await?;
        Ok(())
    }

    pub async fn block(&self, m: Block) -> Result<(), UserError> {
        let mut conn = self.conn().await?;
        let target = Self::resolve(&mut conn, &m.target).await?;
        if target.id == m.user {
            return Err(UserError::Invalid { field: "id", message: "you cannot block yourself".into() });
        }
        conn.transaction::<(), UserError, _>(async |conn| {
            repo::block(conn, m.user, target.id).await?;
            // A block ends any friendship or pending request between the two.
            repo::remove_relation(conn, m.user, target.id).await?;
            activity::record(conn, m.user, "user.blocked", json!({ "user": target.id })).await?;
            Ok(())
        })
        .await
    }

    pub async fn unblock(&self, m: Unblock) -> Result<(), UserError> {
        let mut conn = self.conn().await?;
        let target = repo::profile_by_key(&mut conn, &m.target).await?.ok_or(UserError::NotFound)?;
        repo::unblock(&mut conn, m.user, target.id).await?;
        Ok(())
    }

    pub async fn list_blocks(&self, m: ListBlocks) -> Result<Vec<BlockEntry>, UserError> {
        let mut conn = self.conn().await?;
        Ok(repo::blocks_of(&mut conn, m.user).await?)
    }

    pub async fn list_activity(&self, m: ListActivity) -> Result<Vec<ActivityItem>, UserError> {
        let mut conn = self.conn().await?;
        Ok(activity::list(&mut conn, m.user, m.before, m.limit).await?)
    }
}
