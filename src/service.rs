//! Service actors: one per HTTP worker per feature, started in the App factory, so a handler's
//! message and the future answering it stay on the worker's thread. The actor delegates each
//! message to its feature's core (shared, `Arc`), where the logic lives.

use crate::http::error::ApiError;
use actix::dev::ToEnvelope;
use actix::{Actor, Addr, Handler, Message};

/// Implements `Handler<M>` for a service actor by calling `self.core.method(msg).await`.
#[macro_export]
macro_rules! delegate_to_core {
    ($actor:ty { $($msg:ty => $method:ident),* $(,)? }) => {
        $(
            impl actix::Handler<$msg> for $actor {
                type Result = actix::ResponseFuture<<$msg as actix::Message>::Result>;
                fn handle(&mut self, msg: $msg, _: &mut Self::Context) -> Self::Result {
                    let core = self.core.clone();
                    Box::pin(async move { core.$method(msg).await })
                }
            }
        )*
    };
}

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
