// Browser test of the release calendar (issue 15): the month grid of the demo office's windows
// and freezes, conflicts marked in words, filtering by system, months back and forth, English,
// an axe-core accessibility check, a conflict on the request page, and a secret calendar
// address made on the account page, shown once, working without a session, and dead once rotated.
import assert from 'node:assert/strict';
import { Person, accessible } from './harness.mjs';

export async function calendar(browser, url) {
  // The demo office recorded its windows around its start: this month, several on SIAGIE and
  // on TUTOR overlapping each other (closed ones and open ones).
  const julia = await new Person(browser, url, 'julia.jefa').open();
  const page = julia.page;
  await Promise.all([page.waitForURL(/\/calendar/), page.click('nav a[href="/calendar"]')]);
  assert.equal(await page.getAttribute('nav a[href="/calendar"]', 'aria-current'), 'page');
  const grid = page.locator('#calendar-month');
  assert.match(await grid.locator('caption').innerText(), /ventanas de despliegue y congelamientos \(hora de America\/Lima\)/);
  assert.deepEqual(await grid.locator('thead th[scope=col]').allInnerTexts(),
    ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo']);
  const windows = grid.locator('li.cal-window');
  assert.ok(await windows.count() >= 4, 'the demo windows are on the grid: ' + await windows.count());
  assert.ok(await grid.locator('li.cal-window', { hasText: 'SIAGIE' }).count() >= 1);
  // Conflicts are said in words, on the grid and in the list below.
  assert.ok(await grid.locator('li.cal-conflict', { hasText: 'Conflicto' }).count() >= 2, 'conflicting windows marked');
  const conflicts = page.locator('#calendar-conflicts li');
  assert.ok(await conflicts.count() >= 2);
  assert.match(await conflicts.first().innerText(), /se superpone con la de PP-\d{4}-\d{4}/);
  await accessible(page, 'the calendar page');
  await julia.shot('calendar-month');

  // One system only.
  await page.selectOption('#cal-system', 'TUTOR');
  await Promise.all([page.waitForURL(/system=TUTOR/), page.click('#calendar-filter button[type=submit]')]);
  const tutor = await grid.locator('li.cal-window').allInnerTexts();
  assert.ok(tutor.length >= 1 && tutor.every((t) => t.includes('TUTOR')), 'only TUTOR windows: ' + tutor.join(' | '));
  // A month back and forth keeps the filter.
  const month = await page.inputValue('#cal-month');
  await Promise.all([page.waitForURL(/month=/), page.click('#cal-next')]);
  assert.notEqual(await page.inputValue('#cal-month'), month);
  assert.match(page.url(), /system=TUTOR/);
  await Promise.all([page.waitForURL(/month=/), page.click('#cal-prev')]);
  assert.equal(await page.inputValue('#cal-month'), month);
  // A malformed month says how to write it.
  await julia.goto('/calendar?month=2026-13');
  assert.match(await page.locator('main').innerText(), /AAAA-MM/);

  // The request page of a conflicting window still open warns of it.
  await julia.goto('/calendar');
  let warned = false;
  for (const href of await conflicts.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
    await julia.goto(href);
    if (await page.locator('.window-conflict').count()) {
      assert.match(await page.locator('.window-conflict').first().innerText(), /Conflicto: la ventana se superpone con la de PP-\d{4}-\d{4}/);
      warned = true;
      break;
    }
  }
  assert.ok(warned, 'an open request with a conflicting window warns on its page');

  // In English.
  await julia.goto('/calendar');
  await page.selectOption('#lang-select', 'en');
  await page.waitForURL(/\/calendar/);
  await page.waitForSelector('html[lang=en]');
  assert.match(await grid.locator('caption').innerText(), /deployment windows and freezes \(America\/Lima time\)/);
  assert.ok(await grid.locator('li.cal-conflict', { hasText: 'Conflict' }).count() >= 2);
  await accessible(page, 'the calendar page in English');

  // A secret address for "my requests" (in English now): shown once, works without a session,
  // rotated → the old one answers 404.
  await julia.goto('/account#calendar');
  await page.selectOption('#calendar-scope', 'office');
  await Promise.all([page.waitForNavigation(), page.click('#calendar form[action="/account/calendar"] button[type=submit]')]);
  const first = (await page.textContent('#new-calendar-url')).trim();
  assert.match(first, /^http:\/\/127\.0\.0\.1:\d+\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
  const feed = await fetch(first);
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get('content-type'), /^text\/calendar/);
  const text = await feed.text();
  assert.match(text, /^BEGIN:VCALENDAR\r\n/);
  assert.match(text, /UID:PP-\d{4}-\d{4}-window@pasaprod/);
  await accessible(page, 'the account page');
  await julia.goto('/account');
  assert.equal(await page.locator('#new-calendar-url').count(), 0, 'the address is shown only once');
  assert.equal(await page.locator('#calendar-keys tbody tr').count(), 1);
  await page.selectOption('#calendar-scope', 'office');
  await Promise.all([page.waitForNavigation(), page.click('#calendar form[action="/account/calendar"] button[type=submit]')]);
  const second = (await page.textContent('#new-calendar-url')).trim();
  assert.notEqual(second, first);
  assert.equal((await fetch(first)).status, 404, 'the rotated address no longer works');
  assert.equal((await fetch(second)).status, 200);
  await Promise.all([page.waitForNavigation(), page.click('#calendar-keys form[action="/account/calendar/remove"] button[type=submit]')]);
  assert.equal((await fetch(second)).status, 404, 'a removed address no longer works');
  await julia.close();
}
