// Every page, in Spanish and in English, as the person who uses it: axe-core finds no WCAG 2
// A/AA violation, a 390 px phone does not scroll sideways, and a full-page screenshot is saved
// in $PASAPROD_WEB_OUT/screenshots (NAME.png in Spanish, NAME-en.png in English; tablet width
// for the busiest ones). Along the way, what some pages must offer (library, adherence).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Person, SHOTS, accessible, fitsPhone } from './harness.mjs';

// Switches the page's language with the header's selector (kept in the profile when signed in).
async function switchLanguage(page, lang) {
  await Promise.all([page.waitForNavigation(), page.selectOption('#lang-select', lang)]);
  assert.equal(await page.getAttribute('html', 'lang'), lang);
}

// Checks the page as it is now (axe, phone width) and saves its screenshot as NAME(-en).png.
async function survey(page, name, lang) {
  const what = `${name} (${lang}, ${new URL(page.url()).pathname})`;
  await accessible(page, what);
  await fitsPhone(page, what);
  await page.screenshot({ path: path.join(SHOTS, name + (lang === 'en' ? '-en' : '') + '.png'), fullPage: true });
}

// Visits each [name, path] and surveys it; a path may be a function answering one.
async function surveyAll(page, pages, lang) {
  for (const [name, where] of pages) {
    await page.goto(typeof where === 'function' ? await where() : where);
    await survey(page, name, lang);
  }
}

export async function screenshots(browser, url) {
  mkdirSync(SHOTS, { recursive: true });
  const julia = await new Person(browser, url, 'julia.jefa').open();
  // The library of a system with baselines (closed demo releases), verified from the page.
  await julia.goto('/systems/SIAGIE/library');
  const baseline = julia.page.locator('section.baseline').first();
  assert.ok(await baseline.count(), 'SIAGIE has a baseline in the demo');
  assert.ok(await baseline.locator('a.archive-link').count(), 'archive download link');
  assert.ok(await baseline.locator('table.baseline-files tbody tr').count() > 0, 'baseline files listed');
  for (const link of [baseline.locator('a.archive-link'), baseline.locator('table.baseline-files a').first()]) {
    const res = await julia.page.request.get(await link.getAttribute('href'));
    assert.equal(res.status(), 200, 'download ' + await link.getAttribute('href'));
  }
  await Promise.all([julia.page.waitForNavigation(), baseline.locator('form.verify-form button').click()]);
  const verified = julia.page.locator('section.baseline .verdict');
  assert.equal(await verified.count(), 1, 'verification result shown');
  assert.ok(await julia.page.locator('section.baseline td.check-result .badge.ok').count() > 0, 'files marked intact');
  assert.equal(await julia.page.locator('section.baseline td.check-result .badge.warn').count(), 0, 'no mismatch in a fresh library');
  await survey(julia.page, 'system-library-verified', 'es');
  // The PMO adherence report (the IT chief may see it; it is in the navigation).
  assert.ok(await julia.page.locator('nav a[href="/adherence"]').count(), 'adherence linked in the navigation');
  await julia.goto('/adherence');
  assert.ok(await julia.page.locator('#controls-table tbody tr').count() >= 10, 'per-control table');
  assert.match(await julia.page.textContent('#fig-requests dd'), /^\d+$/);
  for (const id of ['#chart-adherence', '#chart-deployments']) {
    const ok = await julia.page.locator(id).evaluate((img) => img.complete && img.naturalWidth > 0);
    assert.ok(ok, id + ' drawn');
  }
  for (const id of ['#download-csv', '#download-pdf']) {
    const res = await julia.page.request.get(await julia.page.getAttribute(id, 'href'));
    assert.equal(res.status(), 200, id);
  }

  // The heads' dashboard: every request in progress with who must act, this month's figures,
  // the next windows of requests in progress.
  await Promise.all([julia.page.waitForURL(/\/dashboard$/), julia.page.click('nav a[href="/dashboard"]')]);
  const all = await (await julia.page.request.get('/api/v1/releases?limit=100')).json();
  const ended = ['closed', 'rejected', 'cancelled', 'rolled_back'];
  const inProgress = all.items.filter((r) => !ended.includes(r.state)).map((r) => r.number).sort();
  const rows = julia.page.locator('#waiting-table tbody tr');
  assert.deepEqual((await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.number))).sort(), inProgress, 'every request in progress');
  for (const who of await rows.locator('td:nth-child(3)').allInnerTexts()) assert.ok(who.trim().length > 3, 'who must act is named');
  for (const id of ['#fig-deployments', '#fig-rollbacks', '#fig-emergencies']) {
    assert.match(await julia.page.textContent(id + ' dd'), /^\d+$/, id);
  }
  const windows = await julia.page.locator('#next-windows a').allInnerTexts();
  assert.ok(windows.length >= 1 && windows.every((n) => inProgress.includes(n.trim())), 'windows of requests in progress: ' + windows);

  const pedro = await new Person(browser, url, 'pedro.lider').open();
  assert.equal(await pedro.page.locator('nav a[href="/adherence"]').count(), 0, 'no adherence link for a developer lead');
  assert.equal(await pedro.page.locator('nav a[href="/dashboard"]').count(), 0, 'no dashboard link for a developer lead');
  assert.equal((await pedro.page.goto('/dashboard')).status(), 403, 'nor the page');
  const admin = await new Person(browser, url, 'admin').open();

  // Tablet width: no sideways scrolling on the main pages.
  const tablet = await new Person(browser, url, 'oscar.operador').open();
  await tablet.page.setViewportSize({ width: 768, height: 1024 });
  for (const [name, p] of [['tablet-inbox', '/inbox'], ['tablet-releases', '/releases'], ['tablet-new', '/releases/new']]) {
    await tablet.goto(p);
    const overflow = await tablet.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${p} overflows by ${overflow}px at 768px`);
    await tablet.shot(name);
  }
  await tablet.goto('/releases?state=approved');
  await Promise.all([tablet.page.waitForNavigation(), tablet.page.locator('table.releases tbody a').first().click()]);
  const overflow = await tablet.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `release detail overflows by ${overflow}px at 768px`);
  await tablet.shot('tablet-release-detail');
  await tablet.page.setViewportSize({ width: 1280, height: 900 });

  // Every page in both languages, as whoever uses it.
  const detail = async (person, query) => {
    await person.goto('/releases?' + query);
    return person.page.locator('table.releases tbody a').first().getAttribute('href');
  };
  const juliaPages = [['inbox', '/inbox'], ['releases', '/releases'], ['release-detail', () => detail(julia, 'state=pending_approval')],
    ['release-closed-demo', () => detail(julia, 'state=closed')], ['systems', '/systems'], ['system-detail', '/systems/SIAGIE'],
    ['system-library', '/systems/SIAGIE/library'], ['adherence', '/adherence'], ['dashboard', '/dashboard'], ['calendar', '/calendar'],
    ['freezes-committee', '/admin/settings'], ['account', '/account'], ['not-found', '/releases/PP-1999-9999']];
  const pedroPages = [['new-release', '/releases/new'], ['release-draft', () => detail(pedro, 'q=Foros')]];
  const operatorPages = [['release-approved-operator', () => detail(tablet, 'state=approved')], ['inbox-operator', '/inbox']];
  const adminPages = [['admin-users', '/admin/users'], ['admin-user', '/admin/users/ana.funcional'], ['admin-tokens-list', '/admin/tokens'],
    ['admin-mail', '/admin/mail'], ['admin-editions', '/admin/editions'], ['system-edit', '/systems/SIAGIE/edit']];
  for (const lang of ['es', 'en']) {
    if (lang === 'en') for (const p of [julia, pedro, admin, tablet]) await switchLanguage(p.page, 'en');
    await surveyAll(julia.page, juliaPages, lang);
    await surveyAll(pedro.page, pedroPages, lang);
    await surveyAll(admin.page, adminPages, lang);
    await surveyAll(tablet.page, operatorPages, lang);
    // The confirmation of an irreversible action the chief may take now, then back without it.
    await julia.goto(await detail(julia, 'state=pending_approval'));
    const irreversible = julia.page.locator('li.action:not(.disabled)', { has: julia.page.locator('button.irreversible') }).first();
    assert.equal(await irreversible.count(), 1, 'the chief has an irreversible action on a request pending approval');
    if (await irreversible.locator('textarea').count()) await irreversible.locator('textarea').fill('Motivo de prueba.');
    await Promise.all([julia.page.waitForURL(/\/confirm$/), irreversible.locator('button').click()]);
    await survey(julia.page, 'confirm', lang);
    await Promise.all([julia.page.waitForNavigation(), julia.page.click('#confirm-no')]);
    // A refused record on the request page: the reason beside its form, the values kept.
    await tablet.goto(await detail(tablet, 'state=approved'));
    await tablet.page.fill('#f-backup-what', 'Copia de prueba');
    await tablet.page.fill('#f-backup-where', '\\\\backup01');
    await tablet.page.fill('#f-backup-sha256', 'no-es-un-digest');
    await Promise.all([tablet.page.waitForURL(/#record-backup$/), tablet.page.click('#record-backup button[type=submit]')]);
    assert.equal(await tablet.page.inputValue('#f-backup-what'), 'Copia de prueba', 'what was typed is kept');
    assert.ok(await tablet.page.locator('#record-backup .field-error').count(), 'the reason is beside the form');
    await survey(tablet.page, 'refused-record', lang);
    // A refused form, shown with its reason and what was typed.
    await pedro.goto('/releases/new');
    await pedro.page.selectOption('#system', 'SIAGIE');
    await pedro.page.check('#kind-maintenance');
    await pedro.page.fill('#version', '9.9');
    await pedro.page.fill('#title', 'Versión equivocada');
    await pedro.page.fill('#summary', 'Resumen');
    await Promise.all([pedro.page.waitForNavigation(), pedro.page.click('#new-release button[type=submit]')]);
    assert.ok(await pedro.page.locator('#version-error').count(), 'the refusal is shown');
    await survey(pedro.page, 'refused-new-release', lang);
    // An edition file checked on the editions page: its one difference from edition 02 listed,
    // nothing loaded.
    await admin.goto('/admin/editions');
    await admin.page.fill('#ed-yaml', readFileSync(new URL('../../procedures/edition-03-example.yaml', import.meta.url), 'utf8'));
    await Promise.all([admin.page.waitForNavigation(), admin.page.click('button[value=check]')]);
    assert.match(await admin.page.textContent('#edition-check'), /03/, 'the check names the edition');
    assert.equal(await admin.page.locator('#edition-check li').count(), 1, 'one difference from edition 02');
    assert.equal(await admin.page.locator('#edition-03').count(), 0, 'a check loads nothing');
    await survey(admin.page, 'admin-editions-check', lang);
    // The sign-in page, before any session.
    const anon = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } });
    const lp = await anon.newPage();
    await lp.goto('/login');
    if (lang === 'en') await switchLanguage(lp, 'en');
    await survey(lp, 'login', lang);
    await anon.close();
  }
  for (const p of [julia, pedro, admin, tablet]) await p.close();
}
