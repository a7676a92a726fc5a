// The offers area: my offers as buyer and seller, and one offer's negotiation.
import './offers.css';

export { OfferPage } from './offer-page';
export { OffersPage } from './offers-page';
