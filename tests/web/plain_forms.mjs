// Browser tests of plain forms: deliverable upload with JavaScript off (multipart/form-data,
// streamed), editing a system, and an administrator revoking another user's API token.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Person, openRelease, file } from './harness.mjs';

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// Deliverables uploaded through the plain form with JavaScript off: the digests are shown; a
// refused upload (the role was taken away meanwhile) says why next to the slot and keeps nothing.
export async function upload_nojs(browser, url) {
  const pedro = await new Person(browser, url, 'pedro.lider').open();
  const { number } = await openRelease(pedro, 'SIAGIE', 'maintenance', 'Subida sin JavaScript');
  const nojs = await new Person(browser, url, 'pedro.lider', { javaScriptEnabled: false }).open();
  await nojs.goto('/releases/' + number);
  assert.doesNotMatch(await nojs.page.getAttribute('html', 'class') || '', /\bjs\b/, 'app.js did not run: JavaScript is off');
  const submit = nojs.page.locator('#upload-executables button[type=submit]');
  assert.ok(await submit.isVisible(), 'the upload button shows without JavaScript');
  // Two files at once, one large enough to arrive in many chunks, one with a UTF-8 name.
  const files = [file('siagie.war', 3 << 20), file('notas de versión ñ.txt', 0, 'línea 1\r\n--no es un boundary\r\n')];
  await nojs.page.setInputFiles('#file-executables', files.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: f.buffer })));
  await Promise.all([nojs.page.waitForURL(/uploaded=/), submit.click()]);
  assert.match(await nojs.page.textContent('.flash'), /SHA-256: [0-9a-f]{64}/, 'digest shown after upload');
  for (const f of files) {
    const row = nojs.page.locator('#slot-executables li.file', { hasText: f.name });
    assert.equal(await row.count(), 1, f.name + ' listed');
    assert.equal((await row.locator('code').innerText()).trim(), sha256(f.buffer), f.name + ': digest of the bytes sent');
  }
  await nojs.shot('upload-nojs');

  // Refused: the admin takes pedro's role on SIAGIE away while his page is open.
  await nojs.goto('/releases/' + number);
  const events = await nojs.page.locator('#timeline li').count();
  const admin = await new Person(browser, url, 'admin').open();
  await admin.goto('/admin/users/pedro.lider');
  const grant = admin.page.locator('ul.plain li', { hasText: 'SIAGIE' });
  await Promise.all([admin.page.waitForNavigation(), grant.locator('button[type=submit]').click()]);
  assert.match(admin.page.url(), /ok=user_changed/);
  await nojs.page.setInputFiles('#file-backout_plan', [{ name: 'plan.pdf', mimeType: 'application/pdf', buffer: file('plan.pdf', 1 << 20).buffer }]);
  await Promise.all([nojs.page.waitForNavigation(), nojs.page.locator('#upload-backout_plan button[type=submit]').click()]);
  assert.doesNotMatch(nojs.page.url(), /uploaded=/);
  assert.ok(await nojs.page.locator('#failed-message').isVisible(), 'the refusal is announced');
  const reason = await nojs.page.textContent('#slot-backout_plan .field-error');
  assert.match(reason, /Jefe de Proyecto/, 'the reason, next to the slot, names the role: ' + reason);
  assert.equal(await nojs.page.locator('#slot-backout_plan li.file').count(), 0, 'no file kept');
  assert.equal(await nojs.page.locator('#timeline li').count(), events, 'no event added');
  await nojs.shot('upload-nojs-refused');
  for (const p of [pedro, nojs, admin]) await p.close();
}

// An administrator edits a system: a refused value is shown next to its field with what was
// typed kept; the corrected form saves. A developer lead may open the form but is refused.
export async function admin_system_edit(browser, url) {
  const admin = await new Person(browser, url, 'admin').open();
  await admin.goto('/systems/SIAGIE');
  await Promise.all([admin.page.waitForNavigation(), admin.page.click('#edit-system')]);
  await admin.page.fill('#se-name', 'SIAGIE — Sistema de Información de Apoyo a la Gestión');
  await admin.page.fill('#se-unit', 'Dirección de Tecnologías Educativas');
  await admin.page.selectOption('#se-origin', 'outsourcing');
  await admin.page.fill('#se-indecopi-requested', '15/03/2026');
  await admin.page.fill('#se-indecopi-file', 'EXP-2026-00123');
  await Promise.all([admin.page.waitForNavigation(), admin.page.click('#system-edit button[type=submit]')]);
  assert.match(await admin.page.textContent('#se-indecopi-requested-error'), /AAAA-MM-DD/);
  assert.equal(await admin.page.inputValue('#se-name'), 'SIAGIE — Sistema de Información de Apoyo a la Gestión', 'typed name kept');
  assert.equal(await admin.page.inputValue('#se-indecopi-requested'), '15/03/2026', 'typed date kept');
  assert.equal(await admin.page.inputValue('#se-origin'), 'outsourcing', 'chosen origin kept');
  await admin.shot('system-edit-refused');
  await admin.page.fill('#se-indecopi-requested', '2026-03-15');
  await Promise.all([admin.page.waitForNavigation(), admin.page.click('#system-edit button[type=submit]')]);
  assert.match(admin.page.url(), /\/systems\/SIAGIE\?ok=system_updated/, 'saved: ' + await admin.errorText());
  const page = await admin.page.textContent('main');
  for (const text of ['Sistema de Información de Apoyo a la Gestión', 'Dirección de Tecnologías Educativas', '2026-03-15', 'EXP-2026-00123']) {
    assert.ok(page.includes(text), 'system page shows ' + text);
  }

  const pedro = await new Person(browser, url, 'pedro.lider').open();
  await pedro.goto('/systems/SIAGIE');
  assert.equal(await pedro.page.locator('#edit-system').count(), 0, 'no edit link for a developer lead');
  await pedro.goto('/systems/SIAGIE/edit');
  await pedro.page.fill('#se-unit', 'Otra unidad');
  await Promise.all([pedro.page.waitForNavigation(), pedro.page.click('#system-edit button[type=submit]')]);
  assert.match(await pedro.page.textContent('#edit-error'), /Administrador/, 'refused by role');
  assert.equal(await pedro.page.inputValue('#se-unit'), 'Otra unidad');
  await pedro.goto('/systems/SIAGIE');
  assert.ok((await pedro.page.textContent('main')).includes('Dirección de Tecnologías Educativas'), 'nothing changed');
  await admin.close();
  await pedro.close();
}

// An administrator sees every user's API tokens (never the secret) and revokes one of
// another user's: the token then gets 401 from the API.
export async function admin_tokens(browser, url) {
  const pedro = await new Person(browser, url, 'pedro.lider').open();
  await pedro.goto('/account');
  await pedro.page.fill('#token-name', 'ci-siagie');
  await pedro.page.selectOption('#token-days', '30');
  await Promise.all([pedro.page.waitForNavigation(), pedro.page.locator('form[action="/account/tokens"] button[type=submit]').click()]);
  const token = (await pedro.page.textContent('#new-token')).trim();
  const mine = await pedro.page.locator('table tr', { hasText: 'ci-siagie' }).locator('td').allInnerTexts();
  assert.match(mine[4], /\d/, 'its expiry date shown: ' + mine.join(' | '));
  assert.ok(token.length > 20, 'token shown once');
  const me = () => fetch(url + '/api/v1/me', { headers: { Authorization: 'Bearer ' + token } });
  assert.equal((await me()).status, 200, 'the token works');

  const admin = await new Person(browser, url, 'admin').open();
  await admin.goto('/admin/users');
  await Promise.all([admin.page.waitForNavigation(), admin.page.click('#admin-tokens-link')]);
  const row = admin.page.locator('#admin-tokens tr[data-username="pedro.lider"][data-name="ci-siagie"]');
  assert.equal(await row.count(), 1, 'pedro\'s token listed');
  const cells = await row.locator('td').allInnerTexts();
  assert.ok(cells[2].startsWith(token.slice(0, 12)), 'its prefix shown: ' + cells[2]);
  assert.equal(cells[5], mine[4], 'the same expiry on the admin page: ' + cells.join(' | '));
  assert.ok(!(await admin.page.content()).includes(token), 'the secret is never shown');
  await admin.shot('admin-tokens');
  await Promise.all([admin.page.waitForNavigation(), row.locator('button[type=submit]').click()]);
  assert.match(admin.page.url(), /ok=token_revoked/, 'revoked: ' + await admin.errorText());
  assert.equal(await row.locator('.badge').count(), 1, 'shown as revoked');
  assert.equal((await me()).status, 401, 'a revoked token is refused');
  // Pedro sees it revoked on his account page.
  await pedro.goto('/account');
  assert.match(await pedro.page.locator('table', { hasText: 'ci-siagie' }).innerText(), /[Rr]evocado/);
  // Only administrators see the page.
  await pedro.goto('/admin/tokens');
  assert.equal(await pedro.page.locator('#admin-tokens').count(), 0, 'no token list for a non-admin');
  await admin.close();
  await pedro.close();
}
