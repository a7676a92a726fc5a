// The marketplace's refusals in plain words; everything else as lib/api.ts says it.
import { ApiError, humanMessage } from '../../lib/api';
import { toast, toastError } from '../../lib/toast';

const MESSAGES: Record<string, string> = {
  invalid_transition: "That isn't possible any more: the listing or offer changed in the meantime.",
  listing_sold: 'This listing is sold: it can no longer be changed.',
  listing_has_accepted_offer: 'This listing has an accepted offer, so it cannot be deleted.',
  currency_locked: "The currency of a listing that is for sale or reserved can't change.",
  own_listing: "You can't make an offer on your own listing.",
  listing_not_active: 'This listing is not for sale right now.',
  offer_exists: 'You already have an open offer on this listing.',
  not_your_turn: "It's not your turn: wait for the other party's answer.",
  currency_mismatch: "Offers must be in the listing's currency.",
  already_confirmed: 'You have already confirmed this exchange.',
  blocked: "The seller doesn't accept offers from you.",
};

export function explain(err: unknown): string {
  if (err instanceof ApiError && MESSAGES[err.code]) return MESSAGES[err.code]!;
  return humanMessage(err);
}

/** toastError, with the marketplace's own words for its refusals. */
export function showError(err: unknown): void {
  if (err instanceof ApiError && MESSAGES[err.code]) toast(MESSAGES[err.code]!, 'error');
  else toastError(err);
}
