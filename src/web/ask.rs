//! A handler's message to its worker's service actor, with both the mailbox failure and the
//! service's error answered as problems.

use super::error::ApiError;
use actix::dev::ToEnvelope;
use actix::{Actor, Addr, Handler, Message};

/// Sends `msg` to a service and maps both the mailbox failure and the service error to `ApiError`.
pub async fn ask<A, M, T, E>(addr: &Addr<A>, msg: M) -> Result<T, ApiError>
where
    A: Actor + Handler<M>,
    A::Context: ToEnvelope<A, M>,
    M: Message<Result = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Into<ApiError> + Send + 'static,
{
    match addr.send(msg).await {
        Ok(reply) => reply.map_err(Into::into),
        Err(e) => Err(ApiError::Unavailable(format!("service unavailable: {e}"))),
    }
}
