//! After an authenticated write succeeds, the primary's WAL position becomes the user's (see
//! `infra::reads`): their following reads, on any node, see the replica only once it has
//! replayed it. Recorded before the response leaves, so no read can overtake it. Nothing to do
//! without a replica and Redis.

use crate::auth::AuthUser;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let writes = !req.method().is_safe();
    let state = req.app_data::<web::Data<AppState>>().cloned().filter(|s| writes && s.reads.keeps_positions());
    let res = next.call(req).await?;
    if let Some(state) = state
        && res.status().as_u16() < 400
    {
        let user = res.request().extensions().get::<AuthUser>().map(|u| u.id);
        if let Some(user) = user {
            state.reads.wrote(&[user]).await;
        }
    }
    Ok(res)
}
