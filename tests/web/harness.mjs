// Browser test harness: a fresh `pasaprod serve --demo` on a free port with its own database,
// Debian's Chromium driven by playwright-core, and helpers that act as a person would (fill
// forms, click buttons) — never the API directly.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const PASSWORD = 'pasaprod-demo';
const BIN = process.env.PASAPROD_BIN || path.resolve('../../build/src/cli/pasaprod');
const CHROMIUM = process.env.PASAPROD_CHROMIUM || '/usr/bin/chromium';
export const OUT = process.env.PASAPROD_WEB_OUT || path.resolve('../../build/tests/web');
export const SHOTS = path.join(OUT, 'screenshots');

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// axe-core's WCAG 2 A/AA rules on the page as it is; fails listing each violation.
export async function accessible(page, what) {
  await page.evaluate(axeSource);  // evaluate is not subject to the page's CSP
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } }));
  const problems = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(problems, [], what + ' has accessibility violations');
}

// The page as it is, on a 390 px phone: nothing scrolls sideways. Restores the viewport.
export async function fitsPhone(page, what) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.setViewportSize(size);
  assert.ok(wide <= 390, `${what} scrolls sideways on a phone: ${wide} px wide`);
}

// Starts the server; resolves to {url, stop()}.
export async function startServer() {
  const dir = mkdtempSync(path.join(tmpdir(), 'pasaprod-web-'));
  const child = spawn(BIN, ['--db', path.join(dir, 'pasaprod.db'), 'serve', '--listen', '127.0.0.1:0', '--demo',
    '--fast-password-hashing', '--threads', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + out)), 60000);
    const onData = (d) => {
      out += d.toString();
      const m = out.match(/http:\/\/(127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve('http://' + m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { out += d.toString(); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error('server exited ' + code + ':\n' + out)); });
  });
  return {
    url,
    async stop() {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      await new Promise((r) => { child.on('exit', r); setTimeout(r, 5000); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'] });
}

// One signed-in person: a browser context of their own. `javaScriptEnabled: false` gives a
// browser with JavaScript off (every page must work as plain forms).
export class Person {
  constructor(browser, baseURL, username, { javaScriptEnabled = true } = {}) {
    this.browser = browser; this.baseURL = baseURL; this.username = username; this.progress = []; this.javaScriptEnabled = javaScriptEnabled;
  }

  async open() {
    this.context = await this.browser.newContext({ baseURL: this.baseURL, viewport: { width: 1280, height: 900 }, locale: 'es-PE',
      javaScriptEnabled: this.javaScriptEnabled });
    if (this.javaScriptEnabled) {
      await this.context.exposeFunction('__reportProgress', (p) => { this.progress.push(p); });
      await this.context.addInitScript(() => {
        document.addEventListener('pasaprod:upload-progress', (ev) => window.__reportProgress(ev.detail.percent));
      });
    }
    this.page = await this.context.newPage();
    this.page.on('dialog', (d) => d.accept());
    await this.page.goto('/login');
    await this.page.fill('#username', this.username);
    await this.page.fill('#password', PASSWORD);
    await Promise.all([this.page.waitForURL(/\/inbox/), this.page.click('form[action="/login"] button[type=submit]')]);
    return this;
  }

  async close() { await this.context.close(); }

  async goto(p) { await this.page.goto(p); }

  async state() { return (await this.page.textContent('#release-state')).trim(); }

  // Clicks the action's button on the release page; fills the note; confirms irreversible ones.
  async act(number, action, note) {
    await this.goto('/releases/' + number);
    const form = this.page.locator(`#act-${action}`);
    assert.equal(await form.count(), 1, `${this.username}: no action ${action} on ${number}`);
    const button = form.locator('button[type=submit]');
    assert.ok(await button.isEnabled(), `${this.username}: ${action} disabled: ` + await form.innerText());
    if (note !== undefined) await this.page.fill(`#act-${action}-note`, note);
    await Promise.all([this.page.waitForNavigation(), button.click()]);
    if (await this.page.locator('#confirm-yes').count()) {  // the confirmation step of an irreversible action
      await Promise.all([this.page.waitForNavigation(), this.page.click('#confirm-yes')]);
    }
    assert.match(this.page.url(), /ok=acted/, `${this.username}: ${action} refused: ` + await this.errorText());
  }

  // After `action` took the request to the state named `state`: reload the page, then go Back
  // (to the confirmation page, which now leads to the request). Every load is a GET answered
  // 200 (no resubmission, no browser error page) and the action was recorded once.
  async reloadAndBack(number, action, state) {
    const once = async () => this.count(number, 'transitions', (t) => t.action === action);
    assert.equal(await once(), 1);
    for (const step of [() => this.page.reload(), () => this.page.goBack()]) {
      const res = await step();  // null when the page came from the back/forward cache
      if (res) {
        assert.equal(res.status(), 200, res.url());
        assert.equal(res.request().method(), 'GET', res.url());
      }
      assert.match(this.page.url(), new RegExp(`/releases/${number}`));
      assert.equal(await this.state(), state);
    }
    assert.equal(await once(), 1, `${action} recorded once`);
  }

  async errorText() {
    const a = this.page.locator('.alert, .field-error');
    return (await a.count()) ? (await a.allInnerTexts()).join(' | ') : '';
  }

  // Fills and saves a record form ({key: value}; checkboxes are left as offered). `twice`: the
  // form is filled in two tabs loaded at the same version, saved by a double click in the first,
  // then saved in the second too. Each tab lands on ?ok=recorded and exactly one record is added
  // (checked through the API's view of the request).
  async record(number, type, fields = {}, { twice = false } = {}) {
    const before = await this.count(number, 'records', (r) => r.type === type && r.by === this.username);
    const pages = [this.page];
    if (twice) pages.push(await this.context.newPage());
    for (const page of pages) {
      await page.goto('/releases/' + number);
      const form = page.locator(`#record-${type}`);
      assert.equal(await form.count(), 1, `${this.username}: no form for record ${type}`);
      for (const [k, v] of Object.entries(fields)) {
        const el = page.locator(`#f-${type}-${k}`);
        if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(v); else await el.fill(v);
      }
    }
    if (twice) {  // the same form in both tabs, prefilled times included (a minute may pass between the loads)
      const values = await pages[0].locator(`#record-${type} input[type=datetime-local]`).evaluateAll((els) => els.map((e) => [e.id, e.value]));
      for (const [id, value] of values) await pages[1].fill('#' + id, value);
    }
    for (const page of pages) {
      const button = page.locator(`#record-${type} button[type=submit]`);
      await Promise.all([page.waitForURL(/ok=recorded/), twice && page === pages[0] ? button.dblclick() : button.click()]);
      assert.match(page.url(), /ok=recorded/, `${this.username}: record ${type} refused: ` + await this.errorText());
    }
    if (pages.length > 1) await pages[1].close();
    const after = await this.count(number, 'records', (r) => r.type === type && r.by === this.username);
    assert.equal(after, before + 1, `${this.username}: record ${type} saved ${twice ? 'three times' : 'once'} makes one record`);
  }

  // How many entries of the request's `list` (records, transitions, ...) satisfy `test`, read
  // through the API with this person's session.
  async count(number, list, test) {
    const res = await this.page.request.get('/api/v1/releases/' + number);
    assert.equal(res.status(), 200);
    return (await res.json())[list].filter(test).length;
  }

  // Uploads files into a slot with the file picker (or by dropping them) and waits for the
  // page to come back showing the digest.
  async upload(number, slot, files, { drop = false } = {}) {
    await this.goto('/releases/' + number);
    const nav = this.page.waitForURL(/uploaded=/, { timeout: 60000 });
    if (drop) {
      await this.page.evaluate(({ slot, files }) => {
        const dt = new DataTransfer();
        for (const f of files) dt.items.add(new File([f.text], f.name, { type: 'application/octet-stream' }));
        document.querySelector(`#slot-${slot} .dropzone`).dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, { slot, files: files.map((f) => ({ name: f.name, text: f.buffer.toString() })) });
    } else {
      await this.page.setInputFiles(`#file-${slot}`, files.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: f.buffer })));
    }
    await nav;
    const flash = await this.page.textContent('.flash');
    assert.match(flash, /SHA-256: [0-9a-f]{64}/, 'digest shown after upload');
    return flash.match(/[0-9a-f]{64}/)[0];
  }

  // Reviews a slot's deliverable; `twice` as for record(): one review either way.
  async review(number, slot, verdict, note = '', { twice = false } = {}) {
    // Each review is an event of the request's timeline.
    const reviews = async () => {
      await this.page.goto('/releases/' + number);
      return this.page.locator('#timeline li').count();
    };
    const before = await reviews();
    const pages = [this.page];
    if (twice) pages.push(await this.context.newPage());
    for (const page of pages) {
      await page.goto('/releases/' + number);
      if (note) await page.locator(`#slot-${slot} form.review input[name=note]`).fill(note);
    }
    for (const page of pages) {
      const button = page.locator(`#slot-${slot} form.review button[value=${verdict}]`);
      await Promise.all([page.waitForURL(/ok=reviewed/), twice && page === pages[0] ? button.dblclick() : button.click()]);
      assert.match(page.url(), /ok=reviewed/, `review ${slot} refused: ` + await this.errorText());
    }
    if (pages.length > 1) await pages[1].close();
    assert.equal(await reviews(), before + 1, `review of ${slot} sent ${twice ? 'three times' : 'once'} makes one review`);
  }

  async shot(name) {
    mkdirSync(SHOTS, { recursive: true });
    await this.page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
  }
}

// Opens a release with the new release form; returns its number.
export async function openRelease(person, system, kind, title) {
  await person.goto('/releases/new');
  await person.page.selectOption('#system', system);
  await person.page.check(`#kind-${kind}`);
  const version = await person.page.inputValue('#version');
  assert.match(version, /^\d+\.\d+(\.\d+)?$/, 'the expected version is filled in');
  await person.page.fill('#title', title);
  await person.page.fill('#summary', 'Cambios de prueba: ' + title);
  await Promise.all([person.page.waitForNavigation(), person.page.click('#new-release button[type=submit]')]);
  const m = person.page.url().match(/\/releases\/(PP-\d{4}-\d{4})\?ok=opened/);
  assert.ok(m, 'release opened: ' + await person.errorText());
  return { number: m[1], version };
}

// A date-time input value in Lima time (UTC-5), `hours` from now.
export function limaLocal(hours) {
  return new Date(Date.now() + (hours - 5) * 3600e3).toISOString().slice(0, 16);
}

export function file(name, size = 0, text = '') {
  return { name, buffer: size ? Buffer.alloc(size, 'x') : Buffer.from(text || `contenido de ${name}\n`) };
}
