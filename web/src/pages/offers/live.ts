import { useFrame, useReconnected, useWsState } from '../../lib/hooks';
import type { Offer } from '../../lib/types';
import type { WsStatus } from '../../lib/ws';

const OFFER_KINDS = ['offer.created', 'offer.updated'] as const;
type OfferKind = (typeof OFFER_KINDS)[number];

/**
 * Calls `onChange` with the offer pushed in an `offer.created` / `offer.updated` frame, and
 * with null whenever the live connection (re)opens: frames are hints, not a log, so whatever
 * was pushed while it was down is only known by asking again. Returns the connection's status.
 */
export function useOfferEvents(onChange: (offer: Partial<Offer> | null, kind?: OfferKind) => void): WsStatus {
  useFrame('event', (frame) => {
    const kind = OFFER_KINDS.find((k) => k === frame.kind);
    if (kind) onChange(frame.data as Partial<Offer>, kind);
  });
  useReconnected(() => onChange(null));
  return useWsState().status;
}
