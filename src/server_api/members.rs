//! The control plane: `Subscribe`, `Unsubscribe` (memberships, followed by the user's live
//! sessions on every node) and `Disconnect`. Each is audited with the key and the caller's address.

use super::model::*;
use super::repo;
use super::service::{Caller, DisconnectMsg, ServerCore, SubscribeMsg, UnsubscribeMsg};
use crate::audit::{self, AuditEntry};
use crate::chat::model::RoomRole;
use crate::chat::repo as chat_repo;
use crate::error::DomainError;
use crate::search::changes::Kind;
use diesel_async::AsyncConnection;
use veza_actors::conn::UserControl;
use veza_actors::room::Forget;
use veza_core::{Code, RoomId, UserId};

impl ServerCore {
    pub async fn subscribe(&self, m: SubscribeMsg) -> Result<Changed, ServerApiError> {
        let key = self.admit(&m.caller, "subscribe", Scope::Subscribe).await?;
        let MembershipBody { user, room } = m.body;
        self.counted(&key, "subscribe", async {
            self.group_room(room).await?;
            let mut conn = self.conn().await?;
            if !repo::active_user(&mut conn, user).await? {
                return Err(DomainError::invalid("user", "no active user with this id"));
            }
            let (key_ref, caller) = (&key, &m.caller);
            // The change and its audit row commit together, under the room's lock.
            let changed = conn
                .transaction::<_, ServerApiError, _>(async |conn| {
                    if !chat_repo::lock_room(conn, room).await? {
                        return Err(DomainError::NotFound);
                    }
                    let changed = chat_repo::add_member(conn, room, user, RoomRole::Member).await?;
                    audit(conn, key_ref, caller, "server.subscribed", room, user, changed).await?;
                    Ok(changed)
                })
                .await?;
            if changed {
                self.state.search.wrote(Kind::Room, room.uuid()).await;
            }
            self.state.realtime.fanout.control_user(user, UserControl::Subscribe { room });
            Ok(Changed { changed })
        })
        .await
    }

    pub async fn unsubscribe(&self, m: UnsubscribeMsg) -> Result<Changed, ServerApiError> {
        let key = self.admit(&m.caller, "unsubscribe", Scope::Subscribe).await?;
        let MembershipBody { user, room } = m.body;
        self.counted(&key, "unsubscribe", async {
            self.group_room(room).await?;
            let mut conn = self.conn().await?;
            let (key_ref, caller) = (&key, &m.caller);
            // Under the room's lock, as a leave: the owner read here is still the owner at the delete.
            let changed = conn
                .transaction::<_, ServerApiError, _>(async |conn| {
                    if !chat_repo::lock_room(conn, room).await? {
                        return Err(DomainError::NotFound);
                    }
                    if let Some(member) = chat_repo::member(conn, room, user).await?
                        && member.role == RoomRole::Owner
                    {
                        return Err(DomainError::forbidden(Code::Forbidden, "the room's owner cannot be removed"));
                    }
                    let changed = chat_repo::remove_member(conn, room, user).await?;
                    audit(conn, key_ref, caller, "server.unsubscribed", room, user, changed).await?;
                    Ok(changed)
                })
                .await?;
            if changed {
                self.state.search.wrote(Kind::Room, room.uuid()).await;
            }
            if let Ok(addr) = self.state.realtime.rooms.get(room).await {
                addr.do_send(Forget { user, tell: false });
            }
            self.state.realtime.fanout.control_user(user, UserControl::Unsubscribe { room });
            Ok(Changed { changed })
        })
        .await
    }

    /// A room whose members a backend may change: any but a direct one.
    async fn group_room(&self, room: RoomId) -> Result<(), ServerApiError> {
        if self.room_row(room).await?.is_direct {
            return Err(DomainError::forbidden(Code::Forbidden, "a direct room's members cannot change"));
        }
        Ok(())
    }
}

impl ServerCore {
    pub async fn disconnect(&self, m: DisconnectMsg) -> Result<(), ServerApiError> {
        let key = self.admit(&m.caller, "disconnect", Scope::Disconnect).await?;
        let b = m.body;
        self.counted(&key, "disconnect", async {
            let code = check_close(b.code, &b.reason)?;
            let mut conn = self.conn().await?;
            let entry = AuditEntry::new("server.disconnected")
                .actor(key.service_user.id)
                .target("user", b.user)
                .ip(m.caller.ip.as_deref())
                .data(serde_json::json!({ "api_key": key.name, "code": code, "reason": b.reason }));
            audit::record(&mut conn, entry).await?;
            let control = UserControl::Disconnect { code, reason: b.reason.clone() };
            self.state.realtime.fanout.control_user(b.user, control);
            Ok(())
        })
        .await
    }
}

/// A membership change's audit row, in the change's transaction.
async fn audit(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &ApiKey,
    caller: &Caller,
    action: &str,
    room: RoomId,
    user: UserId,
    changed: bool,
) -> Result<(), ServerApiError> {
    let entry = AuditEntry::new(action)
        .actor(key.service_user.id)
        .target("room", room)
        .ip(caller.ip.as_deref())
        .data(serde_json::json!({ "api_key": key.name, "user": user, "changed": changed }));
    audit::record(conn, entry).await?;
    Ok(())
}
