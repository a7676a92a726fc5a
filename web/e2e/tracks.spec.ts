import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { checkA11y, loginInBrowser, registerUser, shot } from './support';

// The audio fixtures last about two seconds: too short to seek in. The track uploaded through
// the page is a 20 s sine WAV built here, with an ID3 tag (artist, album, a PNG cover).
const SECONDS = 20;
/** The page's chunk size (tracks/uploader.ts). */
const CHUNK = 1024 * 1024;
/** How long making the track from the uploaded bytes may take. */
const PROCESSING_MS = 15_000;

test('upload resumes after a dropped chunk; play, seek, playlist order and favourites', async ({ browser, page, request }, testInfo) => {
  // About 15 s alone, 25 s beside another worker; room for a busy machine.
  test.setTimeout(60_000);
  const me = await registerUser(request, 'tracks');
  const suffix = me.user.username.slice(-6);
  const title = `Sine sweep ${suffix}`;
  const secondTitle = `Second tone ${suffix}`;
  const playlistName = `Road trip ${suffix}`;
  const wavPath = testInfo.outputPath('sine-20s.wav');
  await writeFile(wavPath, sineWav(SECONDS, { artist: 'Veza E2E', album: 'Test Tones', cover: pngCover(96) }));

  // The second track goes in through the API (the fixture MP3).
  const mp3 = await readFile(path.join(process.env.E2E_AUDIO_DIR!, 'tone.mp3'));
  const created = await request.post('/api/v1/tracks', {
    headers: { Authorization: `Bearer ${me.tokens.access_token}` },
    multipart: { file: { name: 'tone.mp3', mimeType: 'audio/mpeg', buffer: mp3 }, title: secondTitle },
  });
  expect(created.status(), await created.text()).toBe(201);
  const second = (await created.json()) as { id: string };

  await loginInBrowser(page, me);

  // ---- Upload: the first chunk is cut off, the page asks the server (HEAD) and goes on. ----
  const heads: string[] = [];
  const streamStatuses: number[] = [];
  page.on('request', (r) => {
    if (r.method() === 'HEAD' && r.url().includes('/api/v1/uploads/')) heads.push(r.url());
  });
  page.on('response', (r) => {
    if (/\/api\/v1\/tracks\/[^/]+\/stream\?sig=/.test(r.url())) streamStatuses.push(r.status());
  });
  const reconnecting = page.getByText('Connection lost — resuming…');
  let dropped = false;
  let resumingShownAtHead = false;
  await page.route('**/api/v1/uploads/*', async (route) => {
    const method = route.request().method();
    if (method === 'PATCH' && !dropped) {
      dropped = true;
      await route.abort('internetdisconnected');
      return;
    }
    if (method === 'HEAD' && dropped) resumingShownAtHead ||= await reconnecting.isVisible();
    await route.fallback();
  });
  // Held until the test has seen 100 %, which otherwise shows only for a moment.
  let releaseFinish!: () => void;
  const finishHeld = new Promise<void>((resolve) => (releaseFinish = resolve));
  await page.route('**/api/v1/uploads/*/finish', async (route) => {
    await finishHeld;
    await route.fallback();
  });

  await page.goto('/tracks/upload');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Upload a track');
  await page.getByLabel('Audio file').setInputFiles(wavPath);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Tags').fill('e2e, sine');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();

  const progress = page.getByRole('progressbar', { name: 'Upload progress' });
  await expect(page.getByTestId('upload-percent')).toHaveText('100%', { timeout: 15_000 });
  await expect(progress).toHaveAttribute('value', '100');
  await expect(page.getByText('Processing the audio…')).toBeVisible();
  expect(dropped).toBe(true);
  expect(heads.length).toBeGreaterThan(0);
  expect(resumingShownAtHead).toBe(true);
  await checkA11y(page);
  await shot(page, testInfo, 'upload');
  releaseFinish();

  // ---- The track page: cover, waveform, play, seek. ----
  // Decoding, peaks and loudness run at low priority: slow on a busy machine.
  await expect(page).toHaveURL(/\/tracks\/[0-9a-f-]{36}$/, { timeout: PROCESSING_MS });
  const trackUrl = page.url();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.getByText('Veza E2E', { exact: true })).toBeVisible();
  const cover = page.getByRole('img', { name: `Cover of ${title}` });
  await expect(cover).toBeVisible();
  await expect.poll(() => cover.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  await expect(page.getByTestId('waveform-canvas')).toHaveAttribute('data-ready', 'true');
  const seek = page.getByRole('slider', { name: 'Seek' });
  await expect(seek).toHaveAttribute('aria-valuemax', String(SECONDS));

  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible();
  await expect.poll(() => audioTime(page)).toBeGreaterThan(0.2);

  // Click the middle of the waveform: the audio jumps to about 10 s.
  await clickAt(seek, 0.5);
  await expect.poll(() => audioTime(page)).toBeGreaterThanOrEqual(SECONDS * 0.5 - 0.5);
  expect(await audioTime(page)).toBeLessThan(SECONDS * 0.5 + 3);
  // The keyboard: 5 s on with the right arrow, back to the start with Home.
  await seek.press('ArrowRight');
  await expect.poll(() => audioTime(page)).toBeGreaterThanOrEqual(SECONDS * 0.5 + 4.5);
  await seek.press('Home');
  await expect.poll(() => audioTime(page)).toBeLessThan(3);
  await expect(seek).toHaveAttribute('aria-valuetext', /^0:0\d of 0:20$/);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  expect(streamStatuses).toContain(206);

  // Favourite it.
  const favourite = page.getByRole('button', { name: 'Favourite' });
  await expect(favourite).toHaveAttribute('aria-pressed', 'false');
  await favourite.click();
  await expect(favourite).toHaveAttribute('aria-pressed', 'true');
  await checkA11y(page);
  await shot(page, testInfo, 'track');

  // Into a new playlist.
  const dialog = page.getByRole('dialog', { name: 'Add to a playlist' });
  await page.getByRole('button', { name: 'Add to playlist' }).click();
  await expect(dialog.getByText('You have no playlists yet')).toBeVisible();
  await dialog.getByLabel('Playlist name').fill(playlistName);
  await dialog.getByRole('button', { name: 'Create and add' }).click();
  await expect(dialog.getByRole('status')).toHaveText(`Added to ${playlistName}.`);
  await shot(page, testInfo, 'add-to-playlist');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  // The second track joins it, from the list of my playlists.
  await page.goto(`/tracks/${second.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(secondTitle);
  await page.getByRole('button', { name: 'Add to playlist' }).click();
  await dialog.getByRole('button', { name: new RegExp(playlistName) }).click();
  await expect(dialog.getByRole('status')).toHaveText(`Added to ${playlistName}.`);
  await dialog.getByRole('link', { name: playlistName }).click();

  // ---- The playlist: reorder with the keyboard buttons, then by dragging. ----
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(playlistName);
  const rows = page.getByTestId('playlist-track');
  await expectOrder(rows, [title, secondTitle]);

  let saved = waitForOrder(page);
  await page.getByRole('button', { name: `Move ${secondTitle} up` }).click();
  await expectOrder(rows, [secondTitle, title]);
  expect((await saved).status()).toBe(200);
  // Focus stays with the moved track (its "up" is disabled now that it is first).
  await expect(page.getByRole('button', { name: `Move ${secondTitle} down` })).toBeFocused();

  await page.reload();
  await expectOrder(rows, [secondTitle, title]);

  saved = waitForOrder(page);
  await rows.nth(0).dragTo(rows.nth(1));
  await expectOrder(rows, [title, secondTitle]);
  expect((await saved).status()).toBe(200);
  const auth = { Authorization: `Bearer ${me.tokens.access_token}` };
  const playlistApi = page.url().replace(/.*\/playlists\//, '/api/v1/playlists/');
  const stored = (await (await request.get(playlistApi, { headers: auth })).json()) as {
    version: number;
    tracks: { track: { title: string } }[];
  };
  expect(stored.tracks.map((e) => e.track.title)).toEqual([title, secondTitle]);

  // Renamed and made public somewhere else: the page follows (the playlist.updated event).
  const renamed = `${playlistName} (live)`;
  const patched = await request.patch(playlistApi, {
    headers: { ...auth, 'If-Match': `"${stored.version}"` },
    data: { name: renamed, public: true },
  });
  expect(patched.status(), await patched.text()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(renamed);

  // Public: anyone with the link sees it without logging in, without the owner's controls.
  const visitor = await browser.newContext();
  const anonymous = await visitor.newPage();
  await anonymous.goto(new URL(page.url()).pathname);
  await expect(anonymous.getByRole('heading', { level: 1 })).toHaveText(renamed);
  await expect(anonymous.getByTestId('playlist-track')).toHaveCount(2);
  await expect(anonymous.getByRole('button', { name: /delete/i })).toHaveCount(0);
  await visitor.close();

  await page.getByRole('button', { name: `Play ${title}` }).click();
  await expect(page.getByRole('heading', { name: `Now playing: ${title}` })).toBeVisible();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await checkA11y(page);
  await shot(page, testInfo, 'playlist');

  // ---- The library: the favourite, the playlist, my uploads. ----
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Library');
  await expect(page.getByRole('tab', { name: 'Favourites' })).toHaveAttribute('aria-selected', 'true');
  const panel = page.getByRole('tabpanel');
  await expect(panel.getByRole('link', { name: title })).toHaveAttribute('href', new URL(trackUrl).pathname);
  await expect(panel.getByRole('link', { name: secondTitle })).toHaveCount(0);
  await checkA11y(page);
  await shot(page, testInfo, 'library');

  await page.getByRole('tab', { name: 'Playlists' }).click();
  await expect(panel.getByRole('link', { name: renamed })).toBeVisible();
  await page.getByRole('tab', { name: 'Playlists' }).press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'My uploads' })).toBeFocused();
  await expect(panel.getByRole('link', { name: title })).toBeVisible();
  await expect(panel.getByRole('link', { name: secondTitle })).toBeVisible();
});

test('an upload cut short by a reload resumes from the server’s offset; refusals are explained', async ({ page, request }, testInfo) => {
  test.setTimeout(45_000);
  const me = await registerUser(request, 'resume');
  const suffix = me.user.username.slice(-6);
  const title = `Resumed ${suffix}`;
  const tag = `r${suffix}`;
  const wavPath = testInfo.outputPath('resume.wav');
  await writeFile(wavPath, sineWav(SECONDS, { artist: 'Veza E2E', album: 'Resumed', cover: pngCover(64) }));
  const firstChunk = `${Math.floor((CHUNK * 100) / (await stat(wavPath)).size)}%`;
  await loginInBrowser(page, me);
  await page.goto('/tracks/upload');

  // Not audio, whatever its name says: the server's 415 in plain words.
  await page.getByLabel('Audio file').setInputFiles(path.join(process.env.E2E_AUDIO_DIR!, 'image.mp3'));
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText("isn't audio Veza can play");

  // Every chunk after the first is cut off until the page is reloaded.
  let blocking = true;
  const offsets: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'PATCH' && r.url().includes('/api/v1/uploads/')) offsets.push(r.headers()['upload-offset'] ?? '');
  });
  await page.route('**/api/v1/uploads/*', (route) =>
    blocking && route.request().method() === 'PATCH' && route.request().headers()['upload-offset'] !== '0'
      ? route.abort('internetdisconnected')
      : route.fallback(),
  );
  await page.getByLabel('Audio file').setInputFiles(wavPath);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Tags').fill(tag);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await expect(page.getByText('Connection lost — resuming…')).toBeVisible();
  await expect(page.getByTestId('upload-percent')).toHaveText(firstChunk);
  await page.reload();
  blocking = false;

  // After the reload: choosing the same file again continues from the server's offset.
  await expect(page.getByRole('region', { name: 'Unfinished uploads' })).toContainText(`resume.wav — ${firstChunk} uploaded`);
  offsets.length = 0;
  await page.getByLabel('Audio file').setInputFiles(wavPath);
  await expect(page.getByText(`${firstChunk} of this file was uploaded before`)).toBeVisible();
  await checkA11y(page);
  await shot(page, testInfo, 'upload-resume');
  // The form is filled in again as it was.
  await expect(page.getByLabel('Title')).toHaveValue(title);
  await expect(page.getByLabel('Tags')).toHaveValue(tag);
  await page.getByRole('button', { name: 'Resume upload' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title, { timeout: PROCESSING_MS });
  expect(offsets).toEqual([String(CHUNK)]);

  // The tracks list, filtered by the new track's tag.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tracks' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tracks');
  const filters = page.getByRole('search', { name: 'Tracks' });
  await filters.getByLabel('Tag', { exact: true }).fill(tag);
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`/tracks\\?tag=${tag}$`));
  const cards = page.getByTestId('track-card');
  await expect(cards).toHaveCount(1);
  await expect(cards.first().getByRole('link', { name: title })).toBeVisible();
  await expect(cards.first()).toContainText('0:20');
  await checkA11y(page);
  await shot(page, testInfo, 'tracks');
});

function audioTime(page: Page): Promise<number> {
  return page.evaluate(() => document.querySelector('audio')?.currentTime ?? -1);
}

async function clickAt(el: Locator, fraction: number): Promise<void> {
  const box = await el.boundingBox();
  if (!box) throw new Error('the seek bar is not on screen');
  await el.click({ position: { x: box.width * fraction, y: box.height / 2 } });
}

async function expectOrder(rows: Locator, titles: string[]): Promise<void> {
  await expect(rows).toHaveCount(titles.length);
  for (const [i, t] of titles.entries()) await expect(rows.nth(i)).toContainText(t);
}

function waitForOrder(page: Page) {
  return page.waitForResponse((r) => r.request().method() === 'PUT' && /\/api\/v1\/playlists\/[^/]+\/order$/.test(r.url()));
}

// ---- Test media -------------------------------------------------------------------------------

/** A mono 16-bit 44.1 kHz WAV: a 440 Hz sine whose loudness swells (so the waveform has a shape). */
function sineWav(seconds: number, tags: { artist: string; album: string; cover: Buffer }): Buffer {
  const rate = 44_100;
  const frames = seconds * rate;
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) {
    const t = i / rate;
    const swell = 0.25 + 0.6 * Math.abs(Math.sin((Math.PI * t) / 5));
    data.writeInt16LE(Math.round(Math.sin(2 * Math.PI * 440 * t) * swell * 32_000), i * 2);
  }
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); // PCM
  fmt.writeUInt16LE(1, 2); // channels
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(rate * 2, 8); // bytes per second
  fmt.writeUInt16LE(2, 12); // block align
  fmt.writeUInt16LE(16, 14); // bits per sample
  const id3 = id3v23([
    textFrame('TPE1', tags.artist),
    textFrame('TALB', tags.album),
    frame('APIC', Buffer.concat([Buffer.from('\0image/png\0\x03\0', 'latin1'), tags.cover])),
  ]);
  const body = Buffer.concat([riffChunk('fmt ', fmt), riffChunk('data', data), riffChunk('id3 ', id3)]);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + body.length, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, body]);
}

function riffChunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

function id3v23(frames: Buffer[]): Buffer {
  const body = Buffer.concat(frames);
  const head = Buffer.from('ID3\x03\x00\x00\0\0\0\0', 'latin1');
  for (let i = 0; i < 4; i++) head[9 - i] = (body.length >> (7 * i)) & 0x7f; // syncsafe size
  return Buffer.concat([head, body]);
}

function frame(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(10);
  head.write(id, 0, 'latin1');
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

function textFrame(id: string, text: string): Buffer {
  return frame(id, Buffer.concat([Buffer.from([0]), Buffer.from(text, 'latin1')]));
}

/** A size x size RGB PNG: a diagonal gradient. */
function pngCover(size: number): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3); // filter byte 0, then RGB
    for (let x = 0; x < size; x++) {
      row[1 + x * 3] = 80 + Math.round((x / size) * 150);
      row[2 + x * 3] = 60;
      row[3 + x * 3] = 120 + Math.round((y / size) * 130);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.concat(rows))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
