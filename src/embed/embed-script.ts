/**
 * The source of /embed.js: one script tag on another site shows a status pill
 * (or, with data-mode="banner", a banner only while something is wrong),
 * reading /api/v2/summary.json from the Herald that served it. Plain ES2017,
 * no dependencies; it renders inside a shadow root so neither side's
 * styles leak into the other, and only ever sets textContent (no HTML).
 *
 * Options (attributes on the script tag):
 *   data-mode="pill" | "banner"   default pill
 *   data-target="#css-selector"   where to put the pill (default: after the script)
 *   data-position="top" | "bottom"  where the banner sits (default bottom)
 */
export const EMBED_SCRIPT = `(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var base = new URL(script.src).origin;
  var mode = script.getAttribute('data-mode') === 'banner' ? 'banner' : 'pill';
  var position = script.getAttribute('data-position') === 'top' ? 'top' : 'bottom';
  var colors = { none: '#1a7f37', minor: '#9a6700', major: '#c2410c', critical: '#cf222e', maintenance: '#2563eb' };
  var host = document.createElement('herald-status');
  var root = host.attachShadow({ mode: 'open' });
  var css = ':host{all:initial;display:inline-block}' +
    '*{box-sizing:border-box;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}' +
    'a{color:inherit;text-decoration:none}' +
    '.pill{display:inline-flex;align-items:center;gap:6px;padding:3px 10px;border-radius:999px;border:1px solid #d0d7de;background:#fff;color:#1f2328}' +
    '.dot{width:8px;height:8px;border-radius:50%;flex:none}' +
    '.banner{position:fixed;left:0;right:0;z-index:2147483647;display:flex;gap:12px;align-items:center;padding:10px 16px;color:#fff}' +
    '.banner a{text-decoration:underline;flex:1}' +
    '.banner button{all:unset;cursor:pointer;padding:0 6px;font-size:18px;line-height:1}' +
    '@media (prefers-color-scheme:dark){.pill{background:#161b22;color:#e6edf3;border-color:#30363d}}';
  var style = document.createElement('style');
  style.textContent = css;
  root.appendChild(style);
  var box = document.createElement('div');
  root.appendChild(box);
  var dismissed = false;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function render(summary) {
    var status = summary.status || { indicator: 'none', description: '' };
    var color = colors[status.indicator] || colors.none;
    box.textContent = '';
    if (mode === 'pill') {
      var pill = el('a', 'pill');
      pill.href = base + '/';
      pill.target = '_blank';
      pill.rel = 'noopener';
      var dot = el('span', 'dot');
      dot.style.background = color;
      pill.appendChild(dot);
      pill.appendChild(el('span', '', status.description));
      box.appendChild(pill);
      return;
    }
    var incidents = (summary.incidents || []).concat((summary.scheduled_maintenances || []).filter(function (m) {
      return m.status === 'in_progress' || m.status === 'verifying';
    }));
    if (dismissed || incidents.length === 0) return;
    var banner = el('div', 'banner');
    banner.setAttribute('role', 'status');
    banner.style.background = color;
    banner.style[position] = '0';
    var link = el('a', '', incidents[0].name + (incidents.length > 1 ? ' (+' + (incidents.length - 1) + ' more)' : ''));
    link.href = incidents[0].shortlink || base + '/';
    link.target = '_blank';
    link.rel = 'noopener';
    banner.appendChild(el('strong', '', status.description));
    banner.appendChild(link);
    var close = el('button', '', '\\u00d7');
    close.setAttribute('aria-label', 'Dismiss');
    close.addEventListener('click', function () { dismissed = true; box.textContent = ''; });
    banner.appendChild(close);
    box.appendChild(banner);
  }

  function refresh() {
    fetch(base + '/api/v2/summary.json', { credentials: 'omit' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (summary) { if (summary) render(summary); })
      .catch(function () {});
  }

  var target = script.getAttribute('data-target');
  var parent = (target && document.querySelector(target)) || null;
  if (parent) parent.appendChild(host);
  else if (mode === 'banner') document.body.appendChild(host);
  else script.parentNode.insertBefore(host, script.nextSibling);
  refresh();
  setInterval(refresh, 60000);
})();
`;
