import { expect, test, type APIRequestContext } from '@playwright/test';
import { checkA11y, registerUser, shot } from './support';

/** A made-up word nobody else's data contains: 9 lowercase letters. */
function rareWord(): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  let w = 'vo';
  for (let i = 0; i < 7; i++) w += letters[Math.floor(Math.random() * letters.length)];
  return w;
}

async function adminToken(request: APIRequestContext): Promise<string> {
  const res = await request.post('/api/v1/auth/login', {
    data: { login: process.env.E2E_ADMIN, password: process.env.E2E_PASSWORD },
  });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).access_token;
}

test('search finds a new listing despite a typo, from the header box to the results page', async ({ page, request }, testInfo) => {
  // A category (admins only), then a member's published listing with a rare word in its title.
  const admin = await adminToken(request);
  const suffix = Math.random().toString(36).slice(2, 8);
  const cat = await request.post('/api/v1/admin/categories', {
    headers: { Authorization: `Bearer ${admin}` },
    data: { name: `Guitars ${suffix}` },
  });
  expect(cat.status(), await cat.text()).toBe(201);
  const category = await cat.json();

  const seller = await registerUser(request, 'seller');
  const word = rareWord();
  const title = `Stratocaster ${word}`;
  const created = await request.post('/api/v1/listings', {
    headers: { Authorization: `Bearer ${seller.tokens.access_token}` },
    data: {
      title,
      description: `A sunburst ${word} in fine shape <b>not bold</b> & ready`,
      price: { amount: 45000, currency: 'EUR' },
      category_id: category.id,
      condition: 'used',
      tags: ['guitar'],
      publish: true,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const listing = await created.json();

  // One letter dropped: one edit, which words of 5-8 letters are forgiven.
  const typo = word.slice(0, 4) + word.slice(5);

  await page.goto('/');
  const box = page.getByRole('combobox', { name: 'Search Veza' });
  const listbox = page.getByRole('listbox');
  const suggestion = listbox.getByRole('option', { name: new RegExp(word) });
  // The index catches up within seconds: type again until the suggestion shows.
  await expect(async () => {
    await box.fill('');
    await box.fill(typo);
    await expect(suggestion).toBeVisible({ timeout: 1500 });
  }).toPass({ timeout: 10_000 });
  await expect(box).toHaveAttribute('aria-expanded', 'true');
  await expect(box).toHaveAttribute('aria-controls', (await listbox.getAttribute('id'))!);
  await checkA11y(page);
  await shot(page, testInfo, 'suggestions');

  // Arrow keys move the active option; Escape closes; Enter without a chosen option searches.
  await box.press('ArrowDown');
  const active = await box.getAttribute('aria-activedescendant');
  expect(active).toBeTruthy();
  await expect(page.locator(`[id="${active}"]`)).toHaveAttribute('aria-selected', 'true');
  await box.press('Escape');
  await expect(box).toHaveAttribute('aria-expanded', 'false');
  await expect(listbox).toBeHidden();
  await box.press('Enter');
  await expect(page).toHaveURL(`/search?q=${typo}`);

  const result = page.getByRole('link', { name: title });
  await expect(result).toBeVisible();
  await expect(result).toHaveAttribute('href', `/market/listings/${listing.id}`);
  await expect(result.locator('mark')).toHaveText(word, { ignoreCase: true });
  // The escaped description comes back as text, never as markup.
  await expect(page.getByText('<b>not bold</b>', { exact: false })).toBeVisible();
  await expect(page.getByRole('link', { name: /^Listings/ })).toBeVisible();
  await checkA11y(page);
  await shot(page, testInfo, 'results');

  // One kind only: its tab is current.
  await page.getByRole('navigation', { name: 'Result types' }).getByRole('link', { name: /^Listings/ }).click();
  await expect(page).toHaveURL(`/search?q=${typo}&types=listing`);
  await expect(page.getByRole('link', { name: /^Listings/ })).toHaveAttribute('aria-current', 'page');
  await expect(result.locator('mark')).toBeVisible();
  await checkA11y(page);
  await shot(page, testInfo, 'results-listings');

  // Choosing a suggestion with the keyboard opens its page.
  await box.fill(word.slice(0, 6));
  await expect(suggestion).toBeVisible();
  const target = await suggestion.getAttribute('id');
  const n = await listbox.getByRole('option').count();
  for (let i = 0; i < n && (await box.getAttribute('aria-activedescendant')) !== target; i++) await box.press('ArrowDown');
  await expect(box).toHaveAttribute('aria-activedescendant', target!);
  await box.press('Enter');
  await expect(page).toHaveURL(`/market/listings/${listing.id}`);
});

test('the search page explains a refused query and shows popular searches when empty', async ({ page }, testInfo) => {
  // A query the API refuses is explained, not shown as a failure.
  await page.goto(`/search?q=${'a'.repeat(300)}`);
  await expect(page.getByRole('alert')).toContainText('too long');
  await checkA11y(page);
  await shot(page, testInfo, 'too-long');

  await page.goto('/search');
  await expect(page.getByRole('heading', { name: 'Popular searches' })).toBeVisible();
  await checkA11y(page);
  await shot(page, testInfo, 'empty');
});
