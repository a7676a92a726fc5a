// The marketplace area: browsing, one listing, and the listing form, in one chunk.
import './market.css';

export { EditListingPage } from './edit-listing-page';
export { ListingPage } from './listing-page';
export { MarketPage } from './market-page';
export { NewListingPage } from './new-listing-page';
