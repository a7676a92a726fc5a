// Words for offers: their states, whose move it is, and each line of their history.
import type { Tone } from '../../components/status-badge';
import { formatMoney } from '../../lib/format';
import type { Offer, OfferEvent, OfferStatus } from '../../lib/types';

export const OFFER_STATUS: Record<OfferStatus, string> = {
  pending: 'Pending',
  countered: 'Countered',
  accepted: 'Accepted',
  completed: 'Completed',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
  expired: 'Expired',
  cancelled: 'Cancelled',
};

/** The dot beside each state: a deal made, waiting for an answer, refused; the rest plain. */
export const OFFER_TONE: Partial<Record<OfferStatus, Tone>> = {
  completed: 'ok',
  accepted: 'ok',
  pending: 'busy',
  countered: 'busy',
  declined: 'bad',
  cancelled: 'bad',
};

export function isOpen(status: OfferStatus): boolean {
  return status === 'pending' || status === 'countered';
}

export type Side = 'buyer' | 'seller';

/** The viewer's side of the offer, or null when they are not a party. */
export function sideOf(offer: Offer, userId: string | undefined): Side | null {
  if (offer.buyer.id === userId) return 'buyer';
  if (offer.seller.id === userId) return 'seller';
  return null;
}

const ENDED: Partial<Record<OfferStatus, string>> = {
  completed: 'The sale is complete.',
  declined: 'The offer was declined.',
  withdrawn: 'The offer was withdrawn.',
  expired: 'The offer expired without an answer.',
  cancelled: 'The deal was cancelled.',
};

/** What the offer waits for, from the viewer's side, or how it ended. */
export function turnText(offer: Offer, side: Side | null): string {
  const other = side === 'buyer' ? offer.seller : offer.buyer;
  if (isOpen(offer.status)) {
    const turn = offer.turn ?? (offer.status === 'pending' ? 'seller' : 'buyer');
    return turn === side ? 'Your turn to answer' : `Waiting for ${other.username} to answer`;
  }
  if (offer.status === 'accepted') {
    const mine = side === 'buyer' ? offer.buyer_confirmed : offer.seller_confirmed;
    return mine ? `Waiting for ${other.username} to confirm the exchange` : 'Your turn: confirm the exchange once it is done';
  }
  return ENDED[offer.status] ?? '';
}

/** One line of the history: "countered with €40.00". */
export function eventText(e: OfferEvent): string {
  const money = e.amount ? formatMoney(e.amount) : '';
  switch (e.action) {
    case 'created':
      return `offered ${money}`;
    case 'countered':
      return `countered with ${money}`;
    case 'accepted':
      return 'accepted the offer';
    case 'declined':
      return 'declined the offer';
    case 'withdrawn':
      return 'withdrew the offer';
    case 'confirmed':
      return e.status === 'completed' ? 'confirmed the exchange: the sale is complete' : 'confirmed the exchange';
    case 'cancelled':
      return 'cancelled the deal';
    case 'expired':
      return 'expired without an answer';
    default:
      return e.action;
  }
}

/** For the toast after the other party acted: "accepted", "countered (€40.00)". */
export function changeText(offer: Offer): string {
  const last = offer.events?.at(-1);
  if (offer.status === 'completed' || !last) return OFFER_STATUS[offer.status].toLowerCase();
  if (last.action === 'countered' && last.amount) return `countered (${formatMoney(last.amount)})`;
  if (last.action === 'confirmed') return `confirmed by ${last.actor?.username ?? 'the other party'}`;
  if (last.action === 'created') return 'new offer';
  return last.action;
}
