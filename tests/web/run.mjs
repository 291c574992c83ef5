// Runs browser tests by name: node run.mjs walk_maintenance|emergency_committee|project_records|refusal|language|documents|
// upload_nojs|admin_system_edit|admin_tokens|calendar|screenshots|phone|all
// Each test gets its own server (fresh database) and browser. Exit status 0 = all passed.
import assert from 'node:assert/strict';
import { startServer, launch, Person, openRelease, limaLocal, file } from './harness.mjs';
import { screenshots } from './screenshots.mjs';
import { upload_nojs, admin_system_edit, admin_tokens } from './plain_forms.mjs';
import { calendar } from './calendar.mjs';

// QA accepts a request in QA: uploads its acta, accepts, and sends it to production.
async function qaAccepts(carla, number) {
  await carla.upload(number, 'qa_acceptance', [file('acta-calidad.pdf')]);
  await carla.act(number, 'qa_accept');
  await carla.act(number, 'request_production');
}

// The slots whose deliverable `person` is offered to review on the request page.
async function reviewable(person, number) {
  await person.goto('/releases/' + number);
  return person.page.locator('li.slot form.review').evaluateAll((fs) => fs.map((f) => f.closest('li.slot').dataset.slot));
}

// The sign-offs of the production checklist, each by its role (`opts` as for record());
// resolves to the three people, signed in.
async function signOffs(as, number, opts = {}) {
  const ines = await as('ines.infra');
  await ines.record(number, 'infra_readiness', { note: 'Servidores listos.' }, opts);
  const sofia = await as('sofia.seguridad');
  await sofia.record(number, 'security_conformity', { note: 'Cumple las normas.' }, opts);
  const diego = await as('diego.dba');
  await diego.record(number, 'dba_conformity', { note: 'Scripts revisados.' }, opts);
  return { ines, sofia, diego };
}

// The operator's informe, pre-approved by the ASI head and approved by the IT chief; resolves
// to those two, signed in.
async function informeApproved(as, oscar, number) {
  await oscar.act(number, 'prepare_report');
  const rosa = await as('rosa.asi');
  await rosa.act(number, 'pre_approve');
  const julia = await as('julia.jefa');
  await julia.act(number, 'approve');
  assert.equal(await julia.state(), 'Aprobado');
  return { rosa, julia };
}

// Maintenance release from draft to closed, each step by the person whose role it is.
async function walk_maintenance(browser, url) {
  const as = async (u) => new Person(browser, url, u).open();
  const pedro = await as('pedro.lider');
  const { number } = await openRelease(pedro, 'SIAGIE', 'maintenance', 'Constancias de matrícula en PDF');
  assert.equal(await pedro.state(), 'Borrador');
  // Uploads: one large file through the picker (progress observed), one dropped, the rest picked.
  const digest = await pedro.upload(number, 'executables', [file('siagie.war', 24 << 20)]);
  assert.ok(pedro.progress.length >= 1 && pedro.progress.includes(100), 'progress bar reported: ' + pedro.progress.join(','));
  assert.ok(await pedro.page.locator(`#slot-executables code:text("${digest}")`).count(), 'digest listed in the checklist');
  await pedro.upload(number, 'backout_plan', [file('plan-marcha-atras.pdf')], { drop: true });
  for (const slot of ['install_manual', 'user_manual', 'system_manual', 'source_code', 'installers', 'db_scripts']) {
    await pedro.upload(number, slot, [file(slot + '.zip')]);
  }
  // Replace a file (same name) and remove one while editable.
  await pedro.upload(number, 'installers', [file('extra.zip')]);
  await pedro.goto('/releases/' + number);
  await Promise.all([pedro.page.waitForNavigation(),
    pedro.page.locator('#slot-installers li.file', { hasText: 'extra.zip' }).locator('button').click()]);
  assert.match(pedro.page.url(), /ok=removed/);
  await pedro.act(number, 'request_qa');
  assert.equal(await pedro.state(), 'En Control de Calidad');

  const carla = await as('carla.calidad');
  await qaAccepts(carla, number);

  const oscar = await as('oscar.operador');
  const slots = await reviewable(oscar, number);
  assert.ok(slots.length >= 9, 'every slot can be reviewed: ' + slots);
  // Every review sent by a double click and again from a second tab: one review each.
  for (const slot of slots) await oscar.review(number, slot, 'accepted', '', { twice: true });
  await oscar.act(number, 'validate');
  // The inbox: one next step on this request, linking to its form; the office's zone named.
  await oscar.goto('/inbox');
  const mine = oscar.page.locator('#todo li', { hasText: number });
  assert.equal(await mine.count(), 1, 'one next step per request and person');
  assert.match(await mine.locator('a.step').getAttribute('href'), new RegExp(number + '#record-window$'));
  assert.match(await oscar.page.textContent('footer'), /America\/Lima/);
  assert.match(await oscar.page.textContent('footer'), /edición 02\./, 'the footer names the edition in force');
  // Deployment day: the window as prefilled (from now, in Lima time) is one the deploy accepts.
  await oscar.goto('/releases/' + number);
  const from = await oscar.page.inputValue('#f-window-from');
  assert.ok(Math.abs(Date.parse(from + ':00-05:00') - Date.now()) < 5 * 60000, 'the window starts now, in Lima time: ' + from);
  // Every record form below is saved by a double click and again from a second tab: one record each.
  await oscar.record(number, 'window', {}, { twice: true });
  const { ines, sofia, diego } = await signOffs(as, number, { twice: true });
  const { rosa, julia } = await informeApproved(as, oscar, number);
  // After an irreversible action (asked on its own page, then done): reload and Back post
  // nothing and show no browser error; the request was approved once.
  await julia.reloadAndBack(number, 'approve', 'Aprobado');
  await oscar.goto('/releases/' + number);
  assert.match(await oscar.page.textContent('#window-note'), /abierta ahora.*America\/Lima/, 'the deploy is open, in local time');
  await diego.goto('/inbox');
  assert.match(await diego.page.locator('#todo li', { hasText: number }).locator('a.step').getAttribute('href'), /#record-backup$/,
    'the DBA is asked for the backup');
  await diego.record(number, 'backup', { what: 'Aplicativo y base SIAGIE', where: '\\\\backup01\\pases', sha256: 'a'.repeat(64) },
    { twice: true });
  await oscar.record(number, 'deployment', {}, { twice: true });
  // The DBA records and signs the database part of the deployment.
  await diego.record(number, 'db_deployment', { scripts: 'V3_3__reportes.sql', result: 'ok' }, { twice: true });
  await oscar.act(number, 'deploy');
  await oscar.record(number, 'verification', { result: 'ok', evidence: 'Pruebas de humo conformes.' }, { twice: true });
  await oscar.act(number, 'verify');
  await oscar.record(number, 'baseline', {}, { twice: true });
  await carla.record(number, 'cosign', { note: 'Conforme.' }, { twice: true });
  const pablo = await as('pablo.produccion');
  await pablo.record(number, 'cosign', { note: 'Conforme.' }, { twice: true });
  const ana = await as('ana.funcional');
  await ana.act(number, 'accept');
  assert.equal(await ana.state(), 'Cerrado');
  const timeline = await ana.page.locator('#timeline li').count();
  assert.ok(timeline > 30, 'timeline lists the events: ' + timeline);
  await ana.shot('release-closed');
  for (const p of [pedro, carla, oscar, ines, sofia, diego, rosa, julia, pablo, ana]) await p.close();
}

// Emergency release in the procedure's order: the committee votes first; its acta is reviewed at
// reception with the other deliverables; the informe approves; the DBA deploys the database part;
// the fix fails and is rolled back after QA's opinion.
async function emergency_committee(browser, url) {
  const as = async (u) => new Person(browser, url, u).open();
  const pablo = await as('pablo.produccion');
  const { number, version } = await openRelease(pablo, 'NEXUS', 'emergency', 'Corrige el cálculo de plazas');
  assert.match(version, /^\d+\.\d+\.\d+$/, 'an emergency is a patch version');
  for (const slot of ['source_code', 'db_scripts', 'backout_plan', 'technical_report']) {
    await pablo.upload(number, slot, [file(slot + '.zip')]);
  }
  await pablo.act(number, 'request_committee');
  assert.equal(await pablo.state(), 'En comité de emergencia');

  const elena = await as('elena.comite');
  await elena.goto('/inbox');
  assert.match(await elena.page.textContent('main'), new RegExp(number), 'the committee is told a vote is asked');
  await elena.goto('/releases/' + number);
  assert.ok(await elena.page.locator('#act-committee_approve button').isDisabled(), 'no quorum yet: disabled');
  const reason = await elena.page.textContent('#act-committee_approve-reason');
  assert.ok(reason.length > 10, 'the reason is shown: ' + reason);
  await elena.record(number, 'vote', { decision: 'approve', note: 'Error crítico en producción.' }, { twice: true });
  const raul = await as('raul.comite');
  await raul.record(number, 'vote', { decision: 'approve', note: 'Conforme.' }, { twice: true });
  assert.match(await raul.page.textContent('#votes-summary'), /2 a favor/);
  await raul.shot('emergency-votes');
  await elena.act(number, 'committee_approve');
  assert.equal(await elena.state(), 'Solicitado a Producción');

  const oscar = await as('oscar.operador');
  const slots = await reviewable(oscar, number);
  assert.ok(slots.includes('emergency_committee_record'), 'the committee acta is reviewed at reception: ' + slots);
  for (const slot of slots) await oscar.review(number, slot, 'accepted');
  await pablo.act(number, 'validate');
  await oscar.record(number, 'window', { from: limaLocal(-1), to: limaLocal(4) });
  const { diego } = await signOffs(as, number);
  await oscar.act(number, 'prepare_report');
  assert.equal(await oscar.state(), 'Aprobado');
  await diego.record(number, 'backup', { what: 'Base NEXUS', where: '\\\\backup01\\pases', sha256: 'b'.repeat(64) });
  await oscar.record(number, 'deployment');
  await diego.record(number, 'db_deployment', { scripts: 'fix.sql', result: 'ok' });
  await oscar.act(number, 'deploy');
  assert.equal(await oscar.state(), 'Desplegado');
  // The fix fails in production: QA gives the opinion the rollback asks of it (C), the operator
  // records the rollback and executes the back-out plan. Each record form is sent by a double
  // click and again from a second tab: one record each.
  const carla = await as('carla.calidad');
  await carla.record(number, 'consultation', { opinion: 'concerns', note: 'La matrícula falla; revertir.' }, { twice: true });
  await oscar.record(number, 'rollback', { result: 'Versión anterior restaurada', note: 'Error 500 en la matrícula.' }, { twice: true });
  await oscar.act(number, 'rollback');
  assert.equal(await oscar.state(), 'Revertido (marcha atrás)');
  for (const p of [pablo, elena, raul, oscar, diego, carla]) await p.close();
}

// Project release from draft to closed through the pages, for the record forms that only a
// verified project reaches: the functional user's refusal, the inventory and the INDECOPI
// request are each saved by a double click and again from a second tab (one record each).
async function project_records(browser, url) {
  const as = async (u) => new Person(browser, url, u).open();
  const pedro = await as('pedro.lider');
  const { number, version } = await openRelease(pedro, 'SIAGIE', 'project', 'Nuevo módulo de certificados en línea');
  assert.match(version, /^\d+\.0$/, 'a project is a major version');
  for (const slot of ['qa_to_prod_request', 'project_charter', 'project_plan', 'install_manual', 'user_manual', 'system_manual',
    'training_record', 'source_code', 'executables', 'installers', 'db_scripts']) {
    await pedro.upload(number, slot, [file(slot + '.zip')]);
  }
  await pedro.act(number, 'request_qa');
  const carla = await as('carla.calidad');
  await qaAccepts(carla, number);

  const oscar = await as('oscar.operador');
  const slots = await reviewable(oscar, number);
  assert.ok(slots.includes('project_charter') && slots.includes('qa_acceptance'), 'the project deliverables are reviewed: ' + slots);
  for (const slot of slots) await oscar.review(number, slot, 'accepted');
  await oscar.act(number, 'validate');
  await oscar.record(number, 'window');
  const { ines, sofia, diego } = await signOffs(as, number);
  const { rosa, julia } = await informeApproved(as, oscar, number);
  // A project is deployed without a baseline backup (the procedure asks it of the other kinds).
  await oscar.record(number, 'deployment');
  await diego.record(number, 'db_deployment', { scripts: 'V4_0__certificados.sql', result: 'ok' });
  await oscar.act(number, 'deploy');
  await oscar.record(number, 'verification', { result: 'ok', evidence: 'Pruebas de humo conformes.' });
  await oscar.act(number, 'verify');
  assert.equal(await oscar.state(), 'Verificado');

  // The functional user refuses to sign with observations; the request stays verified.
  const ana = await as('ana.funcional');
  await ana.record(number, 'acceptance_refusal', { note: 'Falta el reporte de certificados por UGEL.' }, { twice: true });
  assert.equal(await ana.state(), 'Verificado');
  await oscar.record(number, 'inventory', { asset_id: 'INV-SI-SIAGIE-4' }, { twice: true });
  const pablo = await as('pablo.produccion');
  await pablo.record(number, 'ip_registration', { filed_on: limaLocal(0).slice(0, 10), file_number: '00456-2026/DDA' }, { twice: true });
  await oscar.record(number, 'baseline');
  await carla.record(number, 'cosign', { note: 'Conforme.' });
  await pablo.record(number, 'cosign', { note: 'Conforme.' });
  await ana.act(number, 'accept');
  assert.equal(await ana.state(), 'Cerrado');
  for (const p of [pedro, carla, oscar, ines, sofia, diego, rosa, julia, ana, pablo]) await p.close();
}

// A refused action shows why and changes nothing; a refused form keeps what was typed.
async function refusal(browser, url) {
  const carla = await new Person(browser, url, 'carla.calidad').open();
  await carla.goto('/releases?q=' + encodeURIComponent('Matrícula en línea'));
  await Promise.all([carla.page.waitForNavigation(), carla.page.locator('table.releases tbody a').first().click()]);
  const number = carla.page.url().match(/PP-\d{4}-\d{4}/)[0];
  assert.equal(await carla.state(), 'En Control de Calidad');
  // qa_accept without the QA acceptance record: disabled, with the missing deliverable named.
  assert.ok(await carla.page.locator('#act-qa_accept button').isDisabled());
  assert.match(await carla.page.textContent('#act-qa_accept-reason'), /Acta de conformidad de Calidad/);
  const before = await carla.page.locator('#timeline li').count();
  // qa_observe without a note: the server refuses, says why next to the field, changes nothing.
  await Promise.all([carla.page.waitForNavigation(), carla.page.click('#act-qa_observe button')]);
  if (await carla.page.locator('#confirm-yes').count()) {  // the confirmation step
    await Promise.all([carla.page.waitForNavigation(), carla.page.click('#confirm-yes')]);
  }
  assert.doesNotMatch(carla.page.url(), /ok=acted/);
  const err = await carla.page.textContent('#act-qa_observe-error');
  assert.ok(err.length > 5, 'reason beside the action: ' + err);
  assert.ok(await carla.page.locator('#failed-message').isVisible());
  assert.equal(await carla.state(), 'En Control de Calidad');
  assert.equal(await carla.page.locator('#timeline li').count(), before, 'no event added');
  await carla.shot('refused-action');
  // Reload, then Back: no re-post, no browser error page; the reason was shown once.
  const refusedAt = carla.page.url();
  assert.match(refusedAt, new RegExp(`/releases/${number}#act-qa_observe$`), 'the refusal lands on the release page, at the form');
  const reloaded = await carla.page.reload();
  assert.equal(reloaded.status(), 200);
  assert.equal(reloaded.request().method(), 'GET', 'a reload asks for the page, it does not post again');
  assert.equal(await carla.page.locator('#failed-message').count(), 0, 'the reason is shown once');
  assert.equal(await carla.page.locator('#timeline li').count(), before, 'reload added nothing');
  const back = await carla.page.goBack();  // null from the back/forward cache
  if (back) assert.equal(back.request().method(), 'GET');
  assert.match(carla.page.url(), new RegExp(`/releases/${number}`));
  assert.equal(await carla.state(), 'En Control de Calidad');
  assert.equal(await carla.page.locator('#timeline li').count(), before, 'Back added nothing');
  // Another user's role: pedro is not offered qa_accept; the page says who takes it.
  const pedro = await new Person(browser, url, 'pedro.lider').open();
  await pedro.goto('/releases/' + number);
  assert.equal(await pedro.page.locator('#act-qa_accept').count(), 0, 'actions of other roles are not offered');
  assert.match(await pedro.page.textContent('#next-actors'), /Responsable de Control de Calidad/);
  // A refused new release form keeps what was typed, with the error next to the version.
  await pedro.goto('/releases/new');
  await pedro.page.selectOption('#system', 'SIAGIE');
  await pedro.page.check('#kind-maintenance');
  await pedro.page.fill('#version', '9.9');
  await pedro.page.fill('#title', 'Título que no se pierde');
  await pedro.page.fill('#summary', 'Resumen que no se pierde');
  await Promise.all([pedro.page.waitForNavigation(), pedro.page.click('#new-release button[type=submit]')]);
  assert.match(await pedro.page.textContent('#version-error'), /\d+\.\d+/);
  assert.equal(await pedro.page.inputValue('#title'), 'Título que no se pierde');
  assert.equal(await pedro.page.inputValue('#summary'), 'Resumen que no se pierde');
  assert.equal(await pedro.page.inputValue('#version'), '9.9');
  await pedro.shot('refused-form');
}

// The language switch changes every visible string of the page, and is kept in the profile.
async function language(browser, url) {
  const pedro = await new Person(browser, url, 'pedro.lider').open();
  const pages = ['/releases', '/inbox', '/releases/new', '/systems', '/account'];
  const ui = 'h1, h2, h3, label, legend, th, button, nav a, .help, .count, .pager span, footer, option[value=""], p.none, li.none';
  const texts = async () => pedro.page.locator(ui).evaluateAll((els) => els
    .filter((e) => e.offsetParent !== null && !e.closest('.brand') && !e.closest('td'))
    .map((e) => e.innerText.trim()).filter((t) => t.length > 0));
  const es = {};
  for (const p of pages) { await pedro.goto(p); es[p] = await texts(); }
  assert.equal(await pedro.page.getAttribute('html', 'lang'), 'es');
  await pedro.goto('/releases');
  await Promise.all([pedro.page.waitForNavigation(), pedro.page.selectOption('#lang-select', 'en')]);
  assert.equal(await pedro.page.getAttribute('html', 'lang'), 'en');
  await pedro.shot('releases-en');
  for (const p of pages) {
    await pedro.goto(p);
    const en = await texts();
    assert.equal(en.length, es[p].length, p + ': same elements in both languages');
    const same = en.filter((t, i) => t === es[p][i] && !/^(Email|E-mail|Roles|Error|pasaprod|[A-Z0-9 .—-]+)$/.test(t));
    assert.deepEqual(same, [], p + ': strings left untranslated');
  }
  // Kept per user: a new session comes back in English.
  const again = await new Person(browser, url, 'pedro.lider').open();
  assert.equal(await again.page.getAttribute('html', 'lang'), 'en');
  assert.equal((await again.page.textContent('h1')).trim(), 'My to-do');
}

// A closed demo release lists its generated documents; each downloads as a PDF.
async function documents(browser, url) {
  const ana = await new Person(browser, url, 'ana.funcional').open();
  await ana.goto('/releases?state=closed');
  const links = ana.page.locator('table.releases tbody a');
  assert.ok(await links.count() >= 1, 'the demo has closed releases');
  await Promise.all([ana.page.waitForNavigation(), links.first().click()]);
  assert.equal(await ana.state(), 'Cerrado');
  const docs = ana.page.locator('#documents a.document-link');
  assert.ok(await docs.count() >= 1, 'a closed release lists at least one document');
  assert.match(await ana.page.locator('#documents code.vcode').first().innerText(), /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  const href = await docs.first().getAttribute('href');
  assert.match(href, /^\/api\/v1\/releases\/PP-\d{4}-\d{4}\/documents\/\d+$/);
  const res = await ana.page.request.get(href);
  assert.equal(res.status(), 200, 'document download answers 200');
  assert.match(res.headers()['content-type'], /^application\/pdf/);
  assert.equal((await res.body()).subarray(0, 5).toString(), '%PDF-');
  await ana.shot('release-documents');
}

// A 390 px phone: no page scrolls sideways.
async function phone(browser, url) {
  const pedro = new Person(browser, url, 'pedro.lider');
  await pedro.open();
  await pedro.page.setViewportSize({ width: 390, height: 844 });
  await pedro.goto('/releases');
  const first = await pedro.page.locator('table.releases tbody a').first().getAttribute('href');
  for (const path of ['/inbox', '/releases', '/releases/new', '/systems', '/account', first]) {
    await pedro.goto(path);
    const wide = await pedro.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `${path} scrolls sideways on a phone: ${wide} px wide`);
  }
  await pedro.shot('phone-release');
  await pedro.close();
}

const tests = { phone, walk_maintenance, emergency_committee, project_records, refusal, language, documents, upload_nojs,
  admin_system_edit, admin_tokens, calendar, screenshots };

async function main() {
  const which = process.argv[2] || 'all';
  const names = which === 'all' ? Object.keys(tests) : [which];
  let failed = 0;
  for (const name of names) {
    if (!tests[name]) { console.error('unknown test ' + name); process.exit(2); }
    const server = await startServer();
    const browser = await launch();
    const t0 = Date.now();
    try {
      await tests[name](browser, server.url);
      console.log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.error(`FAIL ${name}: ${e.stack || e}`);
    } finally {
      await browser.close();
      await server.stop();
    }
  }
  process.exit(failed ? 1 : 0);
}

main();
