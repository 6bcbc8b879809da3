import { CONTENT_SECURITY_POLICY } from '../security-headers.js';

/*
 * The timeline page's one script (progressive enhancement): the scribe form
 * posts with fetch and the new line is inserted where its time puts it,
 * instead of reloading a long page on a phone mid-incident. Without it the
 * form is an ordinary POST and redirect. Inline, allowed by its hash only:
 * every other admin page keeps script-src 'none'.
 */
export const SCRIBE_SCRIPT = `(function () {
  var form = document.getElementById('scribe-form');
  var list = document.getElementById('timeline-rows');
  var status = document.getElementById('scribe-status');
  if (!form || !list || !window.fetch) return;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button[type=submit]');
    var text = form.elements.namedItem('text');
    button.disabled = true;
    status.textContent = 'Adding…';
    fetch(form.action, {
      method: 'POST',
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: 'application/json' },
      credentials: 'same-origin'
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) { status.textContent = (result.data.error && result.data.error.message) || 'Not added.'; return; }
      var holder = document.createElement('ol');
      holder.innerHTML = result.data.html;
      var row = holder.firstElementChild;
      var at = Number(row.getAttribute('data-at'));
      var rows = list.querySelectorAll('li[data-at]');
      var before = null;
      for (var i = 0; i < rows.length; i++) { if (Number(rows[i].getAttribute('data-at')) > at) { before = rows[i]; break; } }
      list.insertBefore(row, before);
      var empty = document.getElementById('timeline-empty');
      if (empty) empty.remove();
      form.reset();
      status.textContent = 'Added: ' + result.data.text;
      text.focus();
    }).catch(function () {
      status.textContent = 'Not added: the connection failed. Your text is still in the field.';
    }).then(function () { button.disabled = false; });
  });
})();`;

let policy: Promise<string> | undefined;

/** The admin policy with this one script allowed by its SHA-256 hash. */
export function scribePagePolicy(): Promise<string> {
  policy ??= crypto.subtle.digest('SHA-256', new TextEncoder().encode(SCRIBE_SCRIPT)).then((digest) => {
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    return CONTENT_SECURITY_POLICY.replace("script-src 'none'", `script-src 'sha256-${hash}'`);
  });
  return policy;
}
