// Progressive enhancement only: every page works without this file.
// - selects marked data-autosubmit submit their form on change (language switch);
// - forms marked data-confirm ask before submitting (the server asks again for irreversible actions);
// - deliverable upload forms (which post multipart/form-data without JavaScript) upload each
//   file with XHR PUT instead (streamed raw body, CSRF header), as soon as it is picked or
//   dropped, with a progress bar; they show each file's SHA-256, then reload the page;
// - the new release form fills in the expected version for the chosen system and kind;
// - the inbox (#inbox-live) refreshes itself every 30 s with If-None-Match: nothing changes
//   until the server says something did (200 instead of 304).
(function () {
  'use strict';
  document.documentElement.classList.add('js');
  var body = document.body;
  var csrf = body.getAttribute('data-csrf') || '';

  document.querySelectorAll('select[data-autosubmit]').forEach(function (sel) {
    sel.addEventListener('change', function () { sel.form.submit(); });
  });

  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      if (form.querySelector('[name=confirm]')) return;
      var q = (body.getAttribute('data-msg-confirm') || '{action}').replace('{action}', form.getAttribute('data-confirm'));
      if (!window.confirm(q)) ev.preventDefault();
    });
  });

  function uploadOne(zone, file, done) {
    var bar = zone.querySelector('progress');
    var results = zone.querySelector('.upload-results');
    var line = document.createElement('li');
    line.textContent = (body.getAttribute('data-msg-uploading') || '') + ' ' + file.name;
    results.appendChild(line);
    bar.hidden = false;
    bar.value = 0;
    var xhr = new XMLHttpRequest();
    xhr.open('PUT', zone.getAttribute('data-upload-url') + encodeURIComponent(file.name));
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.addEventListener('progress', function (ev) {
      if (!ev.lengthComputable) return;
      bar.value = Math.round(ev.loaded * 100 / ev.total);
      document.dispatchEvent(new CustomEvent('pasaprod:upload-progress', { detail: { name: file.name, percent: bar.value } }));
    });
    xhr.addEventListener('load', function () {
      var ok = xhr.status === 201;
      var info = {};
      try { info = JSON.parse(xhr.responseText); } catch (e) { info = {}; }
      if (ok) {
        bar.value = 100;
        line.textContent = (body.getAttribute('data-msg-uploaded') || '').replace('{name}', file.name).replace('{sha256}', info.sha256 || '');
        line.className = 'ok';
      } else {
        line.textContent = (body.getAttribute('data-msg-failed') || '').replace('{name}', file.name) + ' ' + (info.detail || xhr.status);
        line.className = 'bad';
      }
      done(ok, info);
    });
    xhr.addEventListener('error', function () {
      line.textContent = (body.getAttribute('data-msg-failed') || '').replace('{name}', file.name);
      line.className = 'bad';
      done(false, {});
    });
    xhr.send(file);
  }

  function uploadAll(zone, files) {
    var list = Array.prototype.slice.call(files);
    var last = null, failures = 0;
    (function next() {
      if (!list.length) {
        if (!failures && last) {
          var url = location.pathname + '?uploaded=' + encodeURIComponent(zone.closest('[data-slot]').getAttribute('data-slot') + '/' + last.name) +
            '#slot-' + zone.closest('[data-slot]').getAttribute('data-slot');
          setTimeout(function () { location.assign(url); }, 700);
        }
        return;
      }
      uploadOne(zone, list.shift(), function (ok, info) {
        if (ok) last = info; else failures++;
        next();
      });
    })();
  }

  document.querySelectorAll('.dropzone').forEach(function (zone) {
    var input = zone.querySelector('input[type=file]');
    input.addEventListener('change', function () { if (input.files.length) uploadAll(zone, input.files); });
    zone.addEventListener('submit', function (ev) {
      ev.preventDefault();
      if (input.files.length) uploadAll(zone, input.files);
    });
    zone.addEventListener('dragover', function (ev) { ev.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', function () { zone.classList.remove('over'); });
    zone.addEventListener('drop', function (ev) {
      ev.preventDefault();
      zone.classList.remove('over');
      if (ev.dataTransfer && ev.dataTransfer.files.length) uploadAll(zone, ev.dataTransfer.files);
    });
  });

  var form = document.getElementById('new-release');
  if (form) {
    var expected = {};
    try { expected = JSON.parse(form.getAttribute('data-expected')); } catch (e) { expected = {}; }
    var version = form.querySelector('#version');
    var out = document.getElementById('expected-version');
    var suggest = function () {
      var sys = form.querySelector('#system').value;
      var kind = (form.querySelector('input[name=kind]:checked') || {}).value;
      var major = form.querySelector('#major').checked;
      if (!sys || !kind || !expected[sys]) { out.textContent = ''; return; }
      var v = expected[sys][major && (kind + ':major') in expected[sys] ? kind + ':major' : kind];
      out.textContent = v ? '→ ' + v : '';
      if (v && (!version.value || version.getAttribute('data-suggested') === version.value)) {
        version.value = v;
        version.setAttribute('data-suggested', v);
      }
    };
    form.addEventListener('change', suggest);
    suggest();
  }
  var live = document.getElementById('inbox-live');
  if (live && window.fetch && window.DOMParser) {
    var etag = null;
    var refresh = function () {
      var headers = etag ? { 'If-None-Match': etag } : {};
      fetch(live.getAttribute('data-refresh') + window.location.search, { headers: headers, credentials: 'same-origin' })
        .then(function (res) {
          if (res.status !== 200) return null;
          var seen = etag;
          etag = res.headers.get('ETag');
          return seen === null ? null : res.text();
        })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('inbox-live');
          if (fresh) live.innerHTML = fresh.innerHTML;
        })
        .catch(function () {});
    };
    refresh();
    window.setInterval(refresh, 30000);
  }
})();
