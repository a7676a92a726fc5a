// The search area: one chunk with the results page (the header's box is in components/).
export { SearchPage } from './search-page';
