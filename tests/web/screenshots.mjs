// A screenshot of every main page (desktop, and tablet width for the busiest ones), saved in
// $PASAPROD_WEB_OUT/screenshots. Also checks nothing overflows sideways at tablet width.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Person, SHOTS } from './harness.mjs';

export async function screenshots(browser, url) {
  mkdirSync(SHOTS, { recursive: true });
  const anon = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } });
  const lp = await anon.newPage();
  await lp.goto('/login');
  await lp.screenshot({ path: path.join(SHOTS, 'login.png'), fullPage: true });
  await anon.close();

  const julia = await new Person(browser, url, 'julia.jefa').open();
  await julia.shot('inbox');
  await julia.goto('/releases');
  await julia.shot('releases');
  await julia.goto('/releases?state=pending_approval');
  const first = julia.page.locator('table.releases tbody a').first();
  await Promise.all([julia.page.waitForNavigation(), first.click()]);
  await julia.shot('release-detail');
  await julia.goto('/systems');
  await julia.shot('systems');
  await julia.goto('/systems/SIAGIE');
  await julia.shot('system-detail');
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
  await julia.shot('system-library');
  await Promise.all([julia.page.waitForNavigation(), baseline.locator('form.verify-form button').click()]);
  const verified = julia.page.locator('section.baseline .verdict');
  assert.equal(await verified.count(), 1, 'verification result shown');
  assert.ok(await julia.page.locator('section.baseline td.check-result .badge.ok').count() > 0, 'files marked intact');
  assert.equal(await julia.page.locator('section.baseline td.check-result .badge.warn').count(), 0, 'no mismatch in a fresh library');
  await julia.shot('system-library-verified');
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
  await julia.shot('adherence');
  await julia.goto('/admin/settings');
  await julia.shot('freezes-committee');
  await julia.goto('/account');
  await julia.shot('account');

  const pedro = await new Person(browser, url, 'pedro.lider').open();
  assert.equal(await pedro.page.locator('nav a[href="/adherence"]').count(), 0, 'no adherence link for a developer lead');
  await pedro.goto('/releases/new');
  await pedro.page.selectOption('#system', 'SIAGIE');
  await pedro.page.check('#kind-maintenance');
  await pedro.shot('new-release');
  await pedro.goto('/releases?q=Foros');
  await Promise.all([pedro.page.waitForNavigation(), pedro.page.locator('table.releases tbody a').first().click()]);
  await pedro.shot('release-draft');

  const admin = await new Person(browser, url, 'admin').open();
  await admin.goto('/admin/users');
  await admin.shot('admin-users');
  await admin.goto('/admin/users/ana.funcional');
  await admin.shot('admin-user');
  await admin.goto('/admin/tokens');
  await admin.shot('admin-tokens-list');
  await admin.goto('/systems/SIAGIE/edit');
  await admin.shot('system-edit');

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
}
