import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { checkA11y, loginInBrowser, registerUser, shot } from './support';

/** Letters only, so full-text search treats it as one plain word. */
function word(n = 10): string {
  return Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
}

/** A facet link's name: the value, then its count ("Used, 3 listings"). */
function facet(value: string, count: number): RegExp {
  return new RegExp(`^${value}\\s*,\\s*${count} listings?$`);
}

/** Listings need a category, and only an admin makes them. */
async function createCategory(request: APIRequestContext, name: string): Promise<{ id: string; slug: string; name: string }> {
  const login = await request.post('/api/v1/auth/login', {
    data: { login: process.env.E2E_ADMIN, password: process.env.E2E_PASSWORD },
  });
  expect(login.status(), await login.text()).toBe(200);
  const { access_token } = await login.json();
  const res = await request.post('/api/v1/admin/categories', {
    data: { name },
    headers: { Authorization: `Bearer ${access_token}` },
  });
  expect(res.status(), await res.text()).toBe(201);
  return res.json();
}

/** The offer page has its live connection, so the other party's moves reach it. */
async function live(page: Page): Promise<void> {
  await expect(page.getByTestId('offer')).toHaveAttribute('data-live', 'open');
}

test('sell, find, negotiate live, and complete a sale', async ({ page: seller, browser, request }, testInfo) => {
  // About 16 s alone on this machine; axe on six pages is most of it, and triples under load.
  test.setTimeout(90_000);
  const tag = word();
  const title = `Vintage ${tag} synthesizer`;
  const [category, sellerUser, buyerUser] = await Promise.all([
    createCategory(request, `Synths ${word(6)}`),
    registerUser(request, 'seller'),
    registerUser(request, 'buyer'),
  ]);
  const buyerContext = await browser.newContext({ baseURL: testInfo.project.use.baseURL });
  const buyer = await buyerContext.newPage();
  await Promise.all([loginInBrowser(seller, sellerUser), loginInBrowser(buyer, buyerUser)]);

  // The seller lists something through the form; the node's own rules come back at the fields.
  await seller.goto('/market/new');
  await expect(seller.getByRole('heading', { level: 1 })).toHaveText('New listing');
  await seller.getByLabel('Title').fill('ab');
  await seller.getByLabel('Description').fill('Warm pads, all keys work.\n\nComes with its power supply.');
  await seller.getByLabel('Price').fill('120.00');
  await seller.getByLabel('Category').selectOption({ label: category.name });
  await seller.getByLabel('Condition').selectOption({ label: 'Like new' });
  await seller.getByLabel('Tags').fill(`analog, ${tag}`);
  await expect(seller.getByLabel('Publish now')).toBeChecked();
  await seller.getByRole('button', { name: 'Create listing' }).click();
  await expect(seller.locator('#title-error')).toBeVisible();
  await checkA11y(seller);
  await shot(seller, testInfo, 'listing-form');

  await seller.getByLabel('Title').fill(title);
  await seller.getByRole('button', { name: 'Create listing' }).click();
  await expect(seller.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(seller.getByTestId('listing-status')).toHaveText('For sale');
  await expect(seller.getByText('No offers yet.')).toBeVisible();
  const listingUrl = seller.url();

  // The buyer finds it with the search field and a facet.
  await buyer.goto('/market');
  const filters = buyer.getByRole('complementary', { name: 'Filters' });
  await filters.getByLabel('Search listings').fill(tag);
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(buyer).toHaveURL(new RegExp(`[?&]q=${tag}`));
  const card = buyer.getByRole('link', { name: title });
  await expect(card).toBeVisible();
  await filters.getByRole('link', { name: facet(category.name, 1) }).click();
  await expect(buyer).toHaveURL(new RegExp(`category=${category.slug}`));
  await filters.getByRole('link', { name: facet('Like new', 1) }).click();
  await expect(buyer).toHaveURL(/condition=like_new/);
  await expect(buyer.getByRole('heading', { name: '1 listing' })).toBeVisible();
  await expect(buyer.getByTestId('listing-card')).toHaveCount(1);
  await checkA11y(buyer);
  await shot(buyer, testInfo, 'market');

  // Back steps through the filters.
  await buyer.goBack();
  await expect(buyer).not.toHaveURL(/condition=/);
  await buyer.goForward();
  await expect(buyer).toHaveURL(/condition=like_new/);

  await buyer.getByRole('link', { name: title }).click();
  await expect(buyer.getByRole('heading', { level: 1 })).toHaveText(title);
  await buyer.getByLabel('Your offer (EUR)').fill('100');
  await buyer.getByLabel('Message to the seller (optional)').fill('Would you take 100?');
  await checkA11y(buyer);
  await shot(buyer, testInfo, 'listing-buyer');
  await buyer.getByRole('button', { name: 'Send offer' }).click();
  await expect(buyer).toHaveURL(/\/offers\/[0-9a-f-]+$/);
  await expect(buyer.getByTestId('offer-status')).toHaveText('Pending');
  await live(buyer);

  // The seller's listing page shows the new offer without a reload.
  const offerLink = seller.getByRole('link', { name: new RegExp(`Offer from ${buyerUser.user.username}`) });
  await expect(offerLink).toBeVisible();
  await checkA11y(seller);
  await shot(seller, testInfo, 'listing-seller');
  await offerLink.click();
  await expect(seller.getByTestId('offer-status')).toHaveText('Pending');
  await expect(seller.getByTestId('offer-turn')).toHaveText('Your turn to answer');
  await live(seller);

  // The seller counters; the buyer's open page follows.
  await seller.getByLabel('Counter-offer (EUR)').fill('110');
  await seller.getByRole('button', { name: 'Send counter-offer' }).click();
  await expect(seller.getByTestId('offer-status')).toHaveText('Countered');
  await expect(buyer.getByTestId('offer-status')).toHaveText('Countered');
  await expect(buyer.getByTestId('offer-turn')).toHaveText('Your turn to answer');
  await expect(buyer.getByText(/Offer updated: countered/)).toBeVisible();
  await expect(buyer.getByTestId('offer-history')).toContainText(`${sellerUser.user.username} countered with`);
  await checkA11y(buyer);
  await shot(buyer, testInfo, 'offer-buyer-countered');

  // The buyer accepts; both confirm; both pages end on "Completed".
  await buyer.getByRole('button', { name: 'Accept', exact: true }).click();
  await expect(buyer.getByTestId('offer-status')).toHaveText('Accepted');
  await expect(seller.getByTestId('offer-status')).toHaveText('Accepted');

  await seller.getByRole('button', { name: 'Confirm exchange' }).click();
  await expect(seller.getByTestId('offer-turn')).toHaveText(`Waiting for ${buyerUser.user.username} to confirm the exchange`);
  await expect(buyer.getByTestId('offer-history')).toContainText(`${sellerUser.user.username} confirmed the exchange`);
  await shot(seller, testInfo, 'offer-seller-confirmed');

  await buyer.getByRole('button', { name: 'Confirm exchange' }).click();
  await expect(buyer.getByTestId('offer-status')).toHaveText('Completed');
  await expect(seller.getByTestId('offer-status')).toHaveText('Completed');
  await expect(seller.getByRole('button', { name: 'Cancel deal' })).toHaveCount(0);
  await shot(buyer, testInfo, 'offer-buyer-completed');

  // The listing is sold, and the offer shows in each party's list.
  await seller.getByRole('link', { name: title }).click();
  await expect(seller).toHaveURL(listingUrl);
  await expect(seller.getByTestId('listing-status')).toHaveText('Sold');

  await buyer.getByTestId('offer').getByRole('link', { name: 'Offers', exact: true }).click();
  await expect(buyer).toHaveURL(/\/offers\?role=buyer$/);
  const row = buyer.getByTestId('offer-row').filter({ hasText: title });
  await expect(row).toContainText('Completed');
  await expect(row).toContainText('€110.00');
  await checkA11y(buyer);
  await shot(buyer, testInfo, 'offers-list');

  await buyerContext.close();
});
